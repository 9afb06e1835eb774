using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// Builds one batch of inputs for timing: real rows from a dataset when given (cycled to fill the batch), otherwise
/// seeded synthetic values (standard normal for floats, zeros for integers and booleans, which are ids and masks in
/// practice). Symbolic dimensions other than the batch axis cannot be synthesized and need a dataset.
/// </summary>
internal static class ProfileInputs
{
    public static Dictionary<string, DataArray> Build(InferenceSession session, int batchSize, EvaluationDataset? dataset, int seed)
    {
        var result = new Dictionary<string, DataArray>(StringComparer.Ordinal);
        if (dataset is not null)
        {
            var indices = Enumerable.Range(0, batchSize).Select(i => i % dataset.Count).ToArray();
            foreach (var name in session.InputMetadata.Keys)
            {
                if (!dataset.Inputs.TryGetValue(name, out var array))
                {
                    throw new InvalidEvaluationRequestException($"The dataset has no array for model input '{name}'.");
                }

                result[name] = array.SelectRows(indices);
            }

            return result;
        }

        var random = new SplitMix64(unchecked((ulong)seed));
        foreach (var (name, meta) in session.InputMetadata)
        {
            var shape = new long[meta.Dimensions.Length];
            for (var axis = 0; axis < shape.Length; axis++)
            {
                var dim = meta.Dimensions[axis];
                if (axis == 0)
                {
                    shape[axis] = dim > 0 ? dim : batchSize;
                }
                else if (dim > 0)
                {
                    shape[axis] = dim;
                }
                else
                {
                    var symbol = meta.SymbolicDimensions.Length > axis && !string.IsNullOrEmpty(meta.SymbolicDimensions[axis]) ? meta.SymbolicDimensions[axis] : "?";
                    throw new InvalidEvaluationRequestException(
                        $"Input '{name}' has a symbolic dimension '{symbol}' on axis {axis}; synthetic inputs cannot guess its size. Profile with --data to use real inputs.");
                }
            }

            var count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            result[name] = meta.ElementDataType switch
            {
                TensorElementType.Float => DataArray.FromFloats(Enumerable.Range(0, count).Select(_ => (float)random.NextGaussian()).ToArray(), shape),
                TensorElementType.Double => DataArray.FromDoubles(Enumerable.Range(0, count).Select(_ => random.NextGaussian()).ToArray(), shape),
                TensorElementType.Int64 => DataArray.FromInt64s(new long[count], shape),
                TensorElementType.Int32 => new DataArray(TensorElementKind.Int32, shape, new int[count]),
                TensorElementType.UInt8 => new DataArray(TensorElementKind.UInt8, shape, new byte[count]),
                TensorElementType.Bool => new DataArray(TensorElementKind.Bool, shape, new bool[count]),
                _ => throw new InvalidEvaluationRequestException(
                    $"Input '{name}' has element type {meta.ElementDataType}; synthetic inputs support float, double, int64, int32, uint8 and bool. Profile with --data."),
            };
        }

        return result;
    }
}
