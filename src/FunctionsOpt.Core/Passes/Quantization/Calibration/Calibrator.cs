using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace FunctionsOpt.Core.Passes.Quantization.Calibration;

/// <summary>How <see cref="Calibrator"/> estimates ranges.</summary>
public sealed record CalibrationOptions
{
    /// <summary>Range estimator. Default <see cref="CalibrationMethod.MinMax"/>.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Percentile kept by <see cref="CalibrationMethod.Percentile"/>, in (0, 100]. Default 99.99.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>
    /// True when the ranges feed symmetric quantization: percentile calibration then clips |x| (one threshold);
    /// false clips each tail separately. Entropy calibration always works on |x|. Default false.
    /// </summary>
    public bool Symmetric { get; init; }

    /// <summary>Histogram bins for percentile and entropy calibration. Default 2048.</summary>
    public int HistogramBins { get; init; } = RangeEstimators.DefaultBins;

    /// <summary>Quantized levels on one side of zero that entropy calibration targets. Default 128 (int8).</summary>
    public int EntropyLevels { get; init; } = RangeEstimators.Int8Levels;

    /// <summary>Rows per inference run (a fixed-batch model uses its own batch size). Default 16.</summary>
    public int BatchSize { get; init; } = 16;
}

/// <summary>Ranges per tensor and how they were obtained.</summary>
/// <param name="Ranges">Range per requested tensor name.</param>
/// <param name="Samples">Calibration rows run.</param>
/// <param name="Observed">Observed minimum and maximum per tensor (before any clipping).</param>
public sealed record CalibrationResult(
    IReadOnlyDictionary<string, TensorRange> Ranges,
    int Samples,
    IReadOnlyDictionary<string, TensorRange> Observed);

/// <summary>
/// Collects activation statistics for static quantization: makes the chosen intermediate tensors extra graph
/// outputs, runs the calibration rows through ONNX Runtime with graph optimizations disabled (so the tensors exist as
/// in the original graph), and estimates a range per tensor. MinMax needs one pass over the data; percentile and
/// entropy take a second pass to fill histograms over the observed range. Deterministic for the same model, rows
/// and options; the input model is not modified. Not thread-safe per instance call; instances hold no state.
/// </summary>
public sealed class Calibrator
{
    private readonly InferenceSessionFactory _sessions;

    /// <summary>Creates the calibrator.</summary>
    public Calibrator(InferenceSessionFactory sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        _sessions = sessions;
    }

    /// <summary>Estimates a range for each float tensor in <paramref name="tensors"/> (graph inputs, node outputs).</summary>
    /// <exception cref="InvalidEvaluationDataException">The data lacks a model input, or is empty.</exception>
    /// <exception cref="InvalidModelException">ONNX Runtime rejects the augmented model.</exception>
    public CalibrationResult Calibrate(
        ModelProto model,
        IReadOnlyList<string> tensors,
        EvaluationDataset data,
        CalibrationOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HistogramBins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        if (data.Count == 0)
        {
            throw new InvalidEvaluationDataException("Calibration needs at least one row.");
        }

        var names = tensors.Distinct(StringComparer.Ordinal).ToList();
        var bytes = Augment(model, names).ToByteArray();
        using var handle = _sessions.Create(bytes, "calibration", new SessionSettings { OptimizationLevel = GraphOptimization.Disabled });

        var min = names.ToDictionary(n => n, _ => float.PositiveInfinity, StringComparer.Ordinal);
        var max = names.ToDictionary(n => n, _ => float.NegativeInfinity, StringComparer.Ordinal);
        Run(handle, data, names, options.BatchSize, (name, values) =>
        {
            var lo = min[name];
            var hi = max[name];
            foreach (var v in values)
            {
                if (float.IsFinite(v))
                {
                    lo = Math.Min(lo, v);
                    hi = Math.Max(hi, v);
                }
            }

            min[name] = lo;
            max[name] = hi;
        }, cancellationToken);

        var observed = names.ToDictionary(
            n => n,
            n => float.IsFinite(min[n]) ? new TensorRange(min[n], max[n]) : new TensorRange(0, 0),
            StringComparer.Ordinal);
        if (options.Method == CalibrationMethod.MinMax)
        {
            return new CalibrationResult(observed, data.Count, observed);
        }

        var absolute = options.Method == CalibrationMethod.Entropy || options.Symmetric;
        var histograms = names.ToDictionary(
            n => n,
            n => absolute
                ? new Histogram(0, Math.Max(Math.Abs((double)observed[n].Min), Math.Abs((double)observed[n].Max)), options.HistogramBins)
                : new Histogram(observed[n].Min, observed[n].Max, options.HistogramBins),
            StringComparer.Ordinal);
        Run(handle, data, names, options.BatchSize, (name, values) => histograms[name].Add(values, absolute), cancellationToken);

        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var histogram = histograms[name];
            var seen = observed[name];
            if (absolute)
            {
                var threshold = options.Method == CalibrationMethod.Entropy
                    ? RangeEstimators.EntropyThreshold(histogram.Counts, histogram.BinWidth, options.EntropyLevels)
                    : RangeEstimators.SymmetricPercentile(histogram.Counts, histogram.BinWidth, options.Percentile);
                ranges[name] = new TensorRange(Math.Max(seen.Min, (float)-threshold), Math.Min(seen.Max, (float)threshold));
            }
            else
            {
                var (lo, hi) = RangeEstimators.TwoTailedPercentile(histogram.Counts, histogram.Lower, histogram.BinWidth, options.Percentile);
                ranges[name] = new TensorRange(Math.Max(seen.Min, (float)lo), Math.Min(seen.Max, (float)hi));
            }
        }

        return new CalibrationResult(ranges, data.Count, observed);
    }

    /// <summary>A copy of <paramref name="model"/> whose graph also outputs <paramref name="tensors"/> (as float tensors).</summary>
    internal static ModelProto Augment(ModelProto model, IReadOnlyList<string> tensors)
    {
        var augmented = model.Clone();
        var graph = augmented.Graph;
        var existing = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var name in tensors.Where(existing.Add))
        {
            graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        return augmented;
    }

    private static void Run(
        SessionHandle handle,
        EvaluationDataset data,
        List<string> outputs,
        int batchSize,
        Action<string, ReadOnlySpan<float>> observe,
        CancellationToken cancellationToken)
    {
        var session = handle.Session;
        var runner = new ModelRunner(handle);
        var batch = runner.EffectiveBatchSize(batchSize);
        var dynamicBatch = runner.HasDynamicBatch;
        var inputNames = session.InputMetadata.Keys.ToList();
        var inputs = new List<DataArray>(inputNames.Count);
        foreach (var name in inputNames)
        {
            if (!data.Inputs.TryGetValue(name, out var array))
            {
                throw new InvalidEvaluationDataException($"The calibration data has no array for model input '{name}'. Map an array to it in the dataset.");
            }

            var kind = TensorMarshal.ToKind(session.InputMetadata[name].ElementDataType);
            inputs.Add(array.ElementType == kind ? array : array.ConvertTo(kind));
        }

        using var runOptions = new RunOptions();
        var values = new OrtValue[inputNames.Count];
        for (var start = 0; start < data.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(batch, data.Count - start);
            var feedRows = rows < batch && !dynamicBatch ? batch : rows;
            try
            {
                for (var i = 0; i < inputs.Count; i++)
                {
                    var shape = (long[])inputs[i].Shape.Clone();
                    shape[0] = feedRows;
                    values[i] = feedRows == rows
                        ? TensorMarshal.WrapRows(inputs[i], start, rows, shape)
                        : TensorMarshal.WrapRows(PadRows(inputs[i], start, rows, feedRows), 0, feedRows, shape);
                }

                using var results = session.Run(runOptions, inputNames, values, outputs);
                for (var o = 0; o < outputs.Count; o++)
                {
                    var value = results[o];
                    var info = value.GetTensorTypeAndShape();
                    if (info.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
                    {
                        throw new InvalidModelException(
                            InvalidModelReason.InvalidGraph, $"Tensor '{outputs[o]}' is {info.ElementDataType}, not float; only float tensors can be calibrated.");
                    }

                    var span = value.GetTensorDataAsSpan<float>();
                    if (feedRows != rows && info.Shape.Length > 0 && info.Shape[0] == feedRows)
                    {
                        // Padding rows repeat the last real row; keep them out of the statistics when the batch axis is visible.
                        span = span[..(int)(span.Length / feedRows * rows)];
                    }

                    observe(outputs[o], span);
                }
            }
            finally
            {
                foreach (var v in values)
                {
                    v?.Dispose();
                }

                Array.Clear(values);
            }
        }
    }

    private static DataArray PadRows(DataArray array, int start, int rows, int batch)
    {
        var indices = new int[batch];
        for (var i = 0; i < batch; i++)
        {
            indices[i] = start + Math.Min(i, rows - 1);
        }

        return array.SelectRows(indices);
    }
}
