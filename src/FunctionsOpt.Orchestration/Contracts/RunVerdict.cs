namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>
/// The final stage's decision, kept in the state record: every finalist re-timed against the original in one
/// interleaved session (<c>FunctionsOpt.Core.Timing.InterleavedTimer</c>), and what that evidence recommends.
/// </summary>
public sealed record RunVerdict
{
    /// <summary><c>measurable-gain</c>, <c>smaller-within-noise</c>, <c>no-measurable-gain</c> or <c>none-meets-constraints</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The recommended trial; null means the original model.</summary>
    public string? RecommendedTrialId { get; init; }

    /// <summary>One line: e.g. "1.42x (1.38-1.47) faster than the original" or "no measurable speed-up: keep the original".</summary>
    public required string Headline { get; init; }

    /// <summary>One line per finalist.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>The objective the verdict judged: <c>speed</c> or <c>size</c>.</summary>
    public required string Goal { get; init; }

    /// <summary>The latency statistic compared (<c>p50</c> or <c>p95</c>) at <see cref="BatchSize"/>.</summary>
    public required string Statistic { get; init; }

    /// <summary>Rows per call.</summary>
    public int BatchSize { get; init; }

    /// <summary>How intervals were computed.</summary>
    public required string Method { get; init; }

    /// <summary>Two-sided confidence of the intervals.</summary>
    public double Confidence { get; init; }

    /// <summary>Interleaved rounds timed.</summary>
    public int Rounds { get; init; }

    /// <summary>Seconds the timed rounds took.</summary>
    public double Seconds { get; init; }

    /// <summary>Why timing stopped: <c>target</c>, <c>time-cap</c> or <c>max-rounds</c>.</summary>
    public string? StoppedBy { get; init; }

    /// <summary>The original's p50 in this session, ms.</summary>
    public double OriginalP50Ms { get; init; }

    /// <summary>The original's p95 in this session, ms.</summary>
    public double OriginalP95Ms { get; init; }

    /// <summary>The original's size in bytes.</summary>
    public long OriginalSizeBytes { get; init; }

    /// <summary>Content hash of the original model (its candidate entry, used when the original is recommended).</summary>
    public required string OriginalHash { get; init; }

    /// <summary>Every finalist's evidence.</summary>
    public IReadOnlyList<FinalistMeasurement> Finalists { get; init; } = [];

    /// <summary>Whether the original is recommended.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool KeepsOriginal => RecommendedTrialId is null;
}

/// <summary>One finalist in the final interleaved session.</summary>
public sealed record FinalistMeasurement
{
    /// <summary>The trial.</summary>
    public required string TrialId { get; init; }

    /// <summary>Its passes, in order.</summary>
    public IReadOnlyList<string> Passes { get; init; } = [];

    /// <summary>Latency ratio to the original on the verdict's statistic (below 1 is faster).</summary>
    public double? Ratio { get; init; }

    /// <summary>Lower end of the ratio's interval.</summary>
    public double? Low { get; init; }

    /// <summary>Upper end of the ratio's interval.</summary>
    public double? High { get; init; }

    /// <summary>p50 in this session, ms.</summary>
    public double? P50Ms { get; init; }

    /// <summary>p95 in this session, ms.</summary>
    public double? P95Ms { get; init; }

    /// <summary>Intra-op threads it ran with (0 = ONNX Runtime's default).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Size in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Every constraint met at full budget.</summary>
    public bool MeetsConstraints { get; init; }

    /// <summary>No watched quality metric below the original's.</summary>
    public bool Lossless { get; init; }

    /// <summary>Why it could not be timed, if it could not.</summary>
    public string? Error { get; init; }
}
