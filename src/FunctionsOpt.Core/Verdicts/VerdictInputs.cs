using FunctionsOpt.Core.Timing;

namespace FunctionsOpt.Core.Verdicts;

/// <summary>What the objective asks for, as far as the verdict is concerned.</summary>
public enum VerdictGoal
{
    /// <summary>Latency or throughput: a win needs the whole latency interval below 1.</summary>
    Speed,

    /// <summary>Size on disk (plain or compressed): sizes are exact, a win is any smaller model meeting the bar.</summary>
    Size,
}

/// <summary>What the verdict concluded.</summary>
public enum VerdictKind
{
    /// <summary>A finalist is measurably better on the objective and meets every constraint: it is recommended.</summary>
    MeasurableGain,

    /// <summary>No finalist is measurably better, but a lossless one is smaller and not measurably slower: it is recommended.</summary>
    SmallerWithinNoise,

    /// <summary>No finalist is measurably better: the original is recommended.</summary>
    NoMeasurableGain,

    /// <summary>No finalist meets the constraints: the original is recommended.</summary>
    NoneMeetsConstraints,
}

/// <summary>One finalist's evidence, re-measured against the original in the final interleaved session.</summary>
/// <param name="TrialId">The trial.</param>
/// <param name="MeetsConstraints">Every constraint's point estimate meets its bar at full budget.</param>
/// <param name="Lossless">No quality metric a constraint watches dropped below the original's value.</param>
/// <param name="SizeBytes">Model size on disk.</param>
/// <param name="PassCount">Passes in its pipeline.</param>
/// <param name="Latency">Its latency on the objective's statistic (p50 or p95) relative to the original; null when it could not be timed.</param>
public sealed record FinalistEvidence(string TrialId, bool MeetsConstraints, bool Lossless, long SizeBytes, int PassCount, SpeedupEstimate? Latency);

/// <summary>The recommendation and why.</summary>
/// <param name="Kind">What was concluded.</param>
/// <param name="RecommendedTrialId">The recommended finalist; null means the original model.</param>
/// <param name="Headline">One line for the CLI, reports and events (e.g. "no measurable speed-up: keep the original").</param>
/// <param name="Reasons">One line per finalist saying how it compared.</param>
public sealed record Verdict(VerdictKind Kind, string? RecommendedTrialId, string Headline, IReadOnlyList<string> Reasons)
{
    /// <summary>Whether the original model is recommended.</summary>
    public bool KeepsOriginal => RecommendedTrialId is null;
}
