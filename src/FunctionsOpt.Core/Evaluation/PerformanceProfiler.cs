using System.Diagnostics;
using System.IO.Compression;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// Measures a model: session creation time, latency percentiles and throughput per batch size, file and gzip size,
/// and (through an <see cref="IPeakMemoryProbe"/>) peak memory in a fresh process. Runs are sequential on one
/// session: timing several sessions at once on a small CPU makes their thread pools fight (see STACK.md).
/// </summary>
public sealed partial class PerformanceProfiler
{
    private readonly InferenceSessionFactory _sessions;
    private readonly IPeakMemoryProbe? _memoryProbe;
    private readonly ILogger _logger;

    /// <summary>Creates the profiler; without a memory probe, <see cref="PerformanceProfile.Memory"/> stays null.</summary>
    public PerformanceProfiler(InferenceSessionFactory sessions, IPeakMemoryProbe? memoryProbe = null, ILogger<PerformanceProfiler>? logger = null)
    {
        _sessions = sessions;
        _memoryProbe = memoryProbe;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Profiles the model file.</summary>
    public PerformanceProfile Profile(string modelPath, SessionSettings settings, ProfileOptions options, EvaluationDataset? dataset = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var handle = _sessions.Create(modelPath, settings);
        var runner = new ModelRunner(handle);
        var batches = new List<BatchLatency>();
        var skipped = new List<SkippedBatchSize>();
        var ioBinding = settings.UseIoBinding;
        var modelName = Path.GetFileName(modelPath);

        foreach (var requested in options.ResolvedBatchSizes.Distinct().Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var effective = runner.EffectiveBatchSize(requested);
            if (effective != requested)
            {
                skipped.Add(new SkippedBatchSize(requested, $"the model fixes its batch dimension to {effective}"));
                continue;
            }

            var inputs = ProfileInputs.Build(handle.Session, requested, dataset, options.Seed, options.Dimensions);
            var (latency, bound) = Measure(handle.Session, inputs, requested, options, settings.UseIoBinding, cancellationToken);
            ioBinding &= bound;
            batches.Add(latency);
            LogBatch(_logger, modelName, requested, latency.P50Ms, latency.ThroughputPerSecond);
        }

        if (batches.Count == 0)
        {
            // A fixed-batch model still gets measured at the size it accepts.
            var effective = runner.EffectiveBatchSize(1);
            var inputs = ProfileInputs.Build(handle.Session, effective, dataset, options.Seed, options.Dimensions);
            var (latency, bound) = Measure(handle.Session, inputs, effective, options, settings.UseIoBinding, cancellationToken);
            ioBinding &= bound;
            batches.Add(latency);
        }

        var (bytes, gzip) = MeasureSize(modelPath);
        var memory = _memoryProbe?.Measure(modelPath, settings, batches[0].BatchSize, cancellationToken, DimensionsFor(handle.Session, dataset, options.Dimensions));

        return new PerformanceProfile
        {
            Provider = handle.ToRecord(),
            OrtVersion = InferenceSessionFactory.OrtVersion,
            Settings = settings,
            SessionCreationMs = handle.CreationTime.TotalMilliseconds,
            Batches = batches,
            Skipped = skipped,
            InputSource = dataset is null ? $"synthetic (seed {options.Seed})" : "dataset",
            IoBinding = ioBinding,
            ModelBytes = bytes,
            GzipBytes = gzip,
            Memory = memory,
        };
    }

    /// <summary>File size and gzip size of the model plus its external-data files.</summary>
    public static (long Bytes, long GzipBytes) MeasureSize(string modelPath)
    {
        var files = new List<string> { modelPath };
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        try
        {
            var inspection = new Onnx.OnnxModelInspector().Inspect(modelPath);
            files.AddRange(inspection.ExternalDataFiles.Select(f => Path.Combine(folder, f)));
        }
        catch (Errors.InvalidModelException)
        {
            // Size of the file alone is still meaningful for a model the inspector rejects.
        }

        long bytes = 0;
        var counter = new CountingStream();
        using (var gzip = new GZipStream(counter, CompressionLevel.Optimal, leaveOpen: true))
        {
            foreach (var file in files)
            {
                using var stream = File.OpenRead(file);
                bytes += stream.Length;
                stream.CopyTo(gzip);
            }
        }

        return (bytes, counter.Length);
    }

    private static (BatchLatency Latency, bool IoBinding) Measure(
        InferenceSession session, Dictionary<string, DataArray> inputs, int batchSize, ProfileOptions options, bool useIoBinding, CancellationToken cancellationToken)
    {
        using var loop = new Timing.ModelRunLoop(session, inputs, useIoBinding);
        for (var i = 0; i < options.WarmupRuns; i++)
        {
            loop.Run();
        }

        var samples = new List<double>(options.TimedRuns);
        var budget = Stopwatch.StartNew();
        while (samples.Count < options.TimedRuns
               && (samples.Count < options.MinTimedRuns || budget.Elapsed.TotalSeconds < options.MaxSecondsPerBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t0 = Stopwatch.GetTimestamp();
            loop.Run();
            samples.Add(Timing.LatencySummary.ElapsedMs(t0));
        }

        return (Timing.LatencySummary.Of(batchSize, samples), loop.IoBound);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Profiled {Model} at batch {BatchSize}: p50 {P50Ms:F3} ms, {Throughput:F1} rows/s")]
    private static partial void LogBatch(ILogger logger, string model, int batchSize, double p50Ms, double throughput);

    private sealed class CountingStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        private long _length;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }

    /// <summary>
    /// The symbolic dimension sizes the memory probe's synthetic inputs need: those given, plus those the dataset's
    /// arrays fix (the probe runs in a child process without the data, so a [N, seq] model profiled on real
    /// sequences must still tell it how long a sequence is).
    /// </summary>
    internal static IReadOnlyDictionary<string, long>? DimensionsFor(InferenceSession session, EvaluationDataset? dataset, IReadOnlyDictionary<string, long>? given)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, meta) in session.InputMetadata)
        {
            if (dataset is null || !dataset.Inputs.TryGetValue(name, out var array))
            {
                continue;
            }

            for (var axis = 1; axis < Math.Min(meta.Dimensions.Length, array.Rank); axis++)
            {
                if (meta.Dimensions[axis] <= 0 && meta.SymbolicDimensions.Length > axis && !string.IsNullOrEmpty(meta.SymbolicDimensions[axis]))
                {
                    result.TryAdd(meta.SymbolicDimensions[axis], array.Shape[axis]);
                }
            }
        }

        foreach (var (name, size) in given ?? new Dictionary<string, long>())
        {
            result[name] = size;
        }

        return result.Count == 0 ? null : result;
    }
}
