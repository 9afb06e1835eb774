using System.ComponentModel.DataAnnotations;

namespace FunctionsOpt.Core.Timing;

/// <summary>
/// The one measurement protocol's knobs (trials, the final verdict, <c>fopt profile</c> and the benchmarks all time
/// through <see cref="InterleavedTimer"/> with these). Defaults suit a final verdict; trials pass smaller caps.
/// </summary>
public sealed record TimingProtocolOptions
{
    /// <summary>
    /// The trials' protocol: 5 to 60 rounds of 2 ms blocks, at most 1.5 s, 500 resamples. Trials only rank; the
    /// verdict (the defaults of this type) decides.
    /// </summary>
    public static TimingProtocolOptions TrialDefaults => new() { MinRounds = 5, MaxRounds = 60, MaxSeconds = 1.5, BlockMilliseconds = 2, BootstrapResamples = 500 };

    /// <summary>Configuration section.</summary>
    public const string SectionName = "FunctionsOpt:Timing";

    /// <summary>Untimed runs per model before the first round (default 3).</summary>
    [Range(0, 1000)]
    public int WarmupRuns { get; init; } = 3;

    /// <summary>Rounds always timed before the interval may stop the loop (default 15).</summary>
    [Range(2, 100_000)]
    public int MinRounds { get; init; } = 15;

    /// <summary>Rounds at most (default 400).</summary>
    [Range(2, 1_000_000)]
    public int MaxRounds { get; init; } = 400;

    /// <summary>Stop once every ratio's interval half-width is at most this fraction of the ratio (default 0.03).</summary>
    [Range(0.0, 1.0)]
    public double TargetHalfWidth { get; init; } = 0.03;

    /// <summary>Wall-clock cap in seconds for the timed rounds (default 20); the interval is reported as it stands.</summary>
    [Range(0.0, 86_400.0)]
    public double MaxSeconds { get; init; } = 20;

    /// <summary>
    /// A model's block in a round runs for about this long (default 5 ms), so that a 5 µs model is timed over a
    /// thousand calls per block and a 50 ms model once: per-round values of tiny models are then not dominated by
    /// timer resolution and scheduler jitter.
    /// </summary>
    [Range(0.0, 10_000.0)]
    public double BlockMilliseconds { get; init; } = 5;

    /// <summary>Calls per block at most (default 1000).</summary>
    [Range(1, 1_000_000)]
    public int MaxRunsPerBlock { get; init; } = 1000;

    /// <summary>
    /// Intervals are never reported narrower than ± this fraction of the ratio (default 0.03). One session cannot see
    /// how much a model's speed moves between processes (memory layout, frequency, other load): re-measurements in
    /// a separate process here moved by a few per cent, so a tighter in-session interval would claim a precision
    /// that does not reproduce.
    /// </summary>
    [Range(0.0, 1.0)]
    public double IntervalFloor { get; init; } = 0.03;

    /// <summary>Bootstrap resamples for each interval (default 2000).</summary>
    [Range(100, 1_000_000)]
    public int BootstrapResamples { get; init; } = 2000;

    /// <summary>Two-sided confidence of the intervals (default 0.95).</summary>
    [Range(0.5, 0.999)]
    public double Confidence { get; init; } = 0.95;

    /// <summary>Seed of the round order and of the bootstrap.</summary>
    public long Seed { get; init; }
}
