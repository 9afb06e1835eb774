using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// Builds one batch of inputs for timing: real rows from a dataset when given (cycled to fill the batch), otherwise
/// seeded synthetic values (standard normal for floats, zeros for integers and booleans, which are ids and masks in
/// practice). Symbolic dimensions other than the batch axis take their size from <c>dimensions</c> (by name, as
/// <c>--dim NAME=V</c> gives them) and fail with the dimension's name when it is not there.
/// </summary>
internal static class ProfileInputs
{
    /// <summary>Most elements one synthetic input may have (2^31 - 1, the largest .NET array), so a fixed dimension of 2^40 fails typed, not with an overflow.</summary>
    public const long MaxSyntheticElements = int.MaxValue;

    public static Dictionary<string, DataArray> Build(InferenceSession session, int batchSize, EvaluationDataset? dataset, int seed, IReadOnlyDictionary<string, long>? dimensions = null)
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
                    var symbol = meta.SymbolicDimensions.Length > axis && !string.IsNullOrEmpty(meta.SymbolicDimensions[axis]) ? meta.SymbolicDimensions[axis] : null;
                    if (symbol is not null && dimensions is not null && dimensions.TryGetValue(symbol, out var given))
                    {
                        shape[axis] = given;
                        continue;
                    }

                    throw new InvalidEvaluationRequestException(symbol is null
                        ? $"Input '{name}' has an unnamed dynamic dimension on axis {axis}; synthetic inputs cannot guess its size. Profile with --data to use real inputs, or re-export the model with a named or fixed dimension."
                        : $"Input '{name}' has a symbolic dimension '{symbol}' on axis {axis} and no size was given for it; set it with --dim {symbol}=SIZE, or profile with --data to use real inputs.");
                }
            }

            var elements = 1.0;
            foreach (var d in shape)
            {
                elements *= d;
            }

            if (elements > MaxSyntheticElements)
            {
                throw new InvalidEvaluationRequestException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Input '{name}' would have shape [{string.Join(",", shape)}] = {elements:G3} elements, over the {MaxSyntheticElements} one input can hold; lower the batch size or --dim values, or re-export the model with smaller fixed dimensions."));
            }

            var count = (int)elements;
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
