using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Core.Timing;

/// <summary>A model to time: a key the results are reported under, its file, its session settings and batch size.</summary>
/// <param name="Key">Caller's name for the model (a trial id, "original").</param>
/// <param name="ModelPath">The ONNX file.</param>
/// <param name="Settings">Session settings it is served with (threads, optimization level, provider).</param>
/// <param name="BatchSize">Rows per call.</param>
public sealed record TimedModel(string Key, string ModelPath, SessionSettings Settings, int BatchSize);

/// <summary>What one model measured in an interleaved session.</summary>
public sealed record ModelTiming
{
    /// <summary>The model's key.</summary>
    public required string Key { get; init; }

    /// <summary>Rows per call.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Provider requested and used.</summary>
    public required ProviderRecord Provider { get; init; }

    /// <summary>Intra-op threads the session ran with (0 = ORT default).</summary>
    public required int IntraOpThreads { get; init; }

    /// <summary>Every timed call summarized: percentiles, mean, extremes, throughput.</summary>
    public required BatchLatency Latency { get; init; }

    /// <summary>Median latency per call over every timed call, ms.</summary>
    public double P50Ms => Latency.P50Ms;

    /// <summary>95th percentile per call over every timed call, ms.</summary>
    public double P95Ms => Latency.P95Ms;

    /// <summary>Mean per call, ms.</summary>
    public double MeanMs => Latency.MeanMs;

    /// <summary>Timed calls in all.</summary>
    public int Runs => Latency.Runs;

    /// <summary>Calls per round.</summary>
    public required int RunsPerBlock { get; init; }

    /// <summary>Whether calls went through IO binding.</summary>
    public required bool IoBinding { get; init; }

    /// <summary>Median of each round's calls, ms (paired with the reference's by index).</summary>
    public required IReadOnlyList<double> RoundMedians { get; init; }

    /// <summary>95th percentile of each round's calls, ms.</summary>
    public required IReadOnlyList<double> RoundP95s { get; init; }

    /// <summary>p50 ratio to the reference with its interval; null for the reference itself.</summary>
    public SpeedupEstimate? P50VsReference { get; init; }

    /// <summary>p95 ratio to the reference with its interval; null for the reference itself.</summary>
    public SpeedupEstimate? P95VsReference { get; init; }
}

/// <summary>The result of one interleaved session: the reference first, then the candidates.</summary>
public sealed record InterleavedTiming
{
    /// <summary>Every model, reference first.</summary>
    public required IReadOnlyList<ModelTiming> Models { get; init; }

    /// <summary>Rounds timed.</summary>
    public required int Rounds { get; init; }

    /// <summary>Seconds spent in the timed rounds.</summary>
    public required double Seconds { get; init; }

    /// <summary>Why the loop stopped: <c>target</c> (every interval narrow enough), <c>time-cap</c> or <c>max-rounds</c>.</summary>
    public required string StoppedBy { get; init; }

    /// <summary>The reference's timing.</summary>
    public ModelTiming Reference => Models[0];

    /// <summary>The timing of <paramref name="key"/>.</summary>
    public ModelTiming this[string key] => Models.First(m => m.Key == key);
}
