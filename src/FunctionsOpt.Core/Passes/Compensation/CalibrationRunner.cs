using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>
/// Runs a model over calibration rows with intermediate values exposed as extra graph outputs, slice by slice so
/// that only one slice of activations is held at a time. Sessions run with graph optimizations disabled (so every
/// intermediate value exists) and one intra-op thread (so results do not depend on the thread count).
/// </summary>
internal static class CalibrationRunner
{
    /// <summary>Rows per slice.</summary>
    public const int SliceRows = 32;

    private static readonly SessionSettings Settings = new()
    {
        OptimizationLevel = GraphOptimization.Disabled,
        IntraOpThreads = 1,
        InterOpThreads = 1,
        UseIoBinding = false,
    };

    /// <summary>Calls <paramref name="onSlice"/> with the float values of <paramref name="values"/> for each slice of rows.</summary>
    public static void Run(
        ModelProto model,
        IReadOnlyList<string> values,
        EvaluationDataset data,
        InferenceSessionFactory sessions,
        Action<IReadOnlyDictionary<string, DataArray>> onSlice,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(onSlice);

        var probe = model.Clone();
        var existing = new HashSet<string>(probe.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var value in values.Distinct(StringComparer.Ordinal))
        {
            if (existing.Add(value))
            {
                probe.Graph.Output.Add(new ValueInfoProto
                {
                    Name = value,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorElementKind.Float } },
                });
            }
        }

        using var handle = sessions.Create(probe.ToByteArray(), "calibration-probe", Settings);
        var runner = new ModelRunner(handle);
        for (var start = 0; start < data.Count; start += SliceRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(SliceRows, data.Count - start);
            var slice = data.Select(Enumerable.Range(start, count).ToArray());
            var outputs = runner.Run(slice, SliceRows, values, cancellationToken).Outputs;
            onSlice(outputs);
        }
    }
}
