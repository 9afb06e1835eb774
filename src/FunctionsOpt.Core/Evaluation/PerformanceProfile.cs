namespace FunctionsOpt.Core.Evaluation;

/// <summary>Latency and throughput at one batch size. Latencies are per run (one batch), in milliseconds.</summary>
public sealed record BatchLatency
{
    /// <summary>Rows per run.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Timed runs.</summary>
    public required int Runs { get; init; }

    /// <summary>Median latency.</summary>
    public required double P50Ms { get; init; }

    /// <summary>90th percentile latency.</summary>
    public required double P90Ms { get; init; }

    /// <summary>95th percentile latency.</summary>
    public required double P95Ms { get; init; }

    /// <summary>99th percentile latency.</summary>
    public required double P99Ms { get; init; }

    /// <summary>Mean latency.</summary>
    public required double MeanMs { get; init; }

    /// <summary>Fastest run.</summary>
    public required double MinMs { get; init; }

    /// <summary>Slowest run.</summary>
    public required double MaxMs { get; init; }

    /// <summary>Rows per second at the median latency (robust to the noisy runs a shared machine produces).</summary>
    public required double ThroughputPerSecond { get; init; }
}

/// <summary>A batch size that was not measured, and why.</summary>
/// <param name="BatchSize">The batch size requested.</param>
/// <param name="Reason">Why it was skipped.</param>
public sealed record SkippedBatchSize(int BatchSize, string Reason);

/// <summary>Peak resident memory of a fresh process that loaded the model and ran it.</summary>
public sealed record MemoryReading
{
    /// <summary>VmHWM after the runtime started but before the model was loaded.</summary>
    public required long BaselinePeakBytes { get; init; }

    /// <summary>VmHWM after session creation and the inference runs.</summary>
    public required long PeakBytes { get; init; }

    /// <summary>What the model added: <see cref="PeakBytes"/> minus <see cref="BaselinePeakBytes"/>.</summary>
    public long ModelPeakBytes => PeakBytes - BaselinePeakBytes;

    /// <summary>Batch size of the inference runs.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Provider used in the child process.</summary>
    public required string Provider { get; init; }
}

/// <summary>Everything measured about how fast and how big a model is.</summary>
public sealed record PerformanceProfile
{
    /// <summary>Requested and used provider.</summary>
    public required ProviderRecord Provider { get; init; }

    /// <summary>ONNX Runtime version.</summary>
    public required string OrtVersion { get; init; }

    /// <summary>Session settings used (threads, optimization level).</summary>
    public required SessionSettings Settings { get; init; }

    /// <summary>Session creation wall time.</summary>
    public required double SessionCreationMs { get; init; }

    /// <summary>Per batch size latency and throughput, ascending batch size.</summary>
    public required IReadOnlyList<BatchLatency> Batches { get; init; }

    /// <summary>Requested batch sizes that could not be run.</summary>
    public required IReadOnlyList<SkippedBatchSize> Skipped { get; init; }

    /// <summary>Where inputs came from: <c>dataset</c> or <c>synthetic (seed N)</c>.</summary>
    public required string InputSource { get; init; }

    /// <summary>Whether inputs and outputs were bound once (IO binding) for the timed runs.</summary>
    public required bool IoBinding { get; init; }

    /// <summary>Model file size including external data.</summary>
    public required long ModelBytes { get; init; }

    /// <summary>Gzip (optimal level) size of the model file(s): where unstructured sparsity shows.</summary>
    public required long GzipBytes { get; init; }

    /// <summary>Peak memory from a fresh child process; null when not measured.</summary>
    public MemoryReading? Memory { get; init; }

    /// <summary>The batch-1 figures, when batch 1 was measured.</summary>
    public BatchLatency? Batch1 => Batches.FirstOrDefault(b => b.BatchSize == 1);
}
