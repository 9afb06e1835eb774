using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>The input model's identity and signature, recorded with the baseline so reports need nothing but state.json.</summary>
public sealed record SourceModelInfo
{
    /// <summary>A short name for the model (used for the Triton model folder), letters, digits, '_' and '-'.</summary>
    public required string Name { get; init; }

    /// <summary>Lower-case hex SHA-256 of the input model file.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Size of the input model file in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Graph inputs in declaration order.</summary>
    public IReadOnlyList<TensorSignature> Inputs { get; init; } = [];

    /// <summary>Graph outputs in declaration order.</summary>
    public IReadOnlyList<TensorSignature> Outputs { get; init; } = [];
}

/// <summary>One graph input or output.</summary>
public sealed record TensorSignature
{
    /// <summary>Tensor name.</summary>
    public required string Name { get; init; }

    /// <summary>Element type as ONNX names it (<c>float</c>, <c>int64</c>, ...).</summary>
    public required string ElementType { get; init; }

    /// <summary>Dimensions, -1 for a symbolic or unknown one; null when the rank is unknown.</summary>
    public IReadOnlyList<long>? Shape { get; init; }
}

/// <summary>Where a run's measurements were taken.</summary>
public sealed record RunEnvironment
{
    /// <summary>Operating system description.</summary>
    public required string Os { get; init; }

    /// <summary>Logical processors visible to the worker.</summary>
    public int ProcessorCount { get; init; }

    /// <summary>CPU model name, when the platform reports it.</summary>
    public string? Cpu { get; init; }

    /// <summary>GPU model names the NVIDIA driver reports; empty when none.</summary>
    public IReadOnlyList<string> Gpus { get; init; } = [];

    /// <summary>.NET runtime description.</summary>
    public required string Runtime { get; init; }

    /// <summary>Host name of the worker that profiled the baseline.</summary>
    public string? MachineName { get; init; }

    /// <summary>ONNX Runtime version.</summary>
    public required string OrtVersion { get; init; }

    /// <summary>Session settings the baseline and trials ran with (provider requested, threads, optimization level).</summary>
    public required SessionSettings Session { get; init; }

    /// <summary>The provider actually used by the baseline.</summary>
    public required ProviderUsage Provider { get; init; }
}

/// <summary>How a run ended, as judged by the last activity.</summary>
public sealed record RunOutcome
{
    /// <summary>True when the chosen trial does not meet every constraint (the closest one is reported).</summary>
    public bool BestEffort { get; init; }

    /// <summary>Why the search stopped (scheduler's reason), when it ran to the end.</summary>
    public string? StopReason { get; init; }

    /// <summary>Each constraint as judged on the chosen trial.</summary>
    public IReadOnlyList<ConstraintCheck> Constraints { get; init; } = [];

    /// <summary>Passes the search left out, with reasons (<c>pass: reason</c>).</summary>
    public IReadOnlyList<string> ExcludedPasses { get; init; } = [];
}

/// <summary>One constraint judged on one trial.</summary>
public sealed record ConstraintCheck
{
    /// <summary>The constraint, in words.</summary>
    public required string Constraint { get; init; }

    /// <summary>The metric it bounds.</summary>
    public required string Metric { get; init; }

    /// <summary>The trial's value.</summary>
    public double Value { get; init; }

    /// <summary>The bar the value must reach.</summary>
    public double Bar { get; init; }

    /// <summary>Whether the point estimate meets the bar.</summary>
    public bool Met { get; init; }

    /// <summary>The engine's verdict with sampling noise in mind (<c>Satisfied</c>, <c>Uncertain</c>, <c>Violated</c>).</summary>
    public required string Verdict { get; init; }

    /// <summary>Rows behind the value.</summary>
    public int SampleCount { get; init; }
}

/// <summary>The chosen model timed over batch sizes, the basis of the serving configuration.</summary>
public sealed record ServingProfile
{
    /// <summary>The candidate that was timed (the best model's content hash).</summary>
    public required string CandidateHash { get; init; }

    /// <summary>The provider requested and used.</summary>
    public required ProviderUsage Provider { get; init; }

    /// <summary>Latency and throughput per batch size, ascending.</summary>
    public IReadOnlyList<ThroughputPoint> Batches { get; init; } = [];

    /// <summary>Batch sizes that could not be run, with why (<c>64: reason</c>).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>One point of the throughput curve.</summary>
public sealed record ThroughputPoint
{
    /// <summary>Rows per run.</summary>
    public int BatchSize { get; init; }

    /// <summary>Median latency per run, in milliseconds.</summary>
    public double P50Ms { get; init; }

    /// <summary>95th percentile latency per run, in milliseconds.</summary>
    public double P95Ms { get; init; }

    /// <summary>Rows per second at the median latency.</summary>
    public double ThroughputPerSecond { get; init; }
}
