using System.ComponentModel.DataAnnotations;

namespace FunctionsOpt.Orchestration.Optimization;

/// <summary>How runs measure candidates and drive the search; bound from <see cref="SectionName"/> and validated at start.</summary>
public sealed class OptimizationOptions
{
    /// <summary>Configuration section these options bind to.</summary>
    public const string SectionName = "FunctionsOpt:Optimization";

    /// <summary>Timed latency runs of a full-budget trial (fewer at lower rungs). Default 100.</summary>
    [Range(1, 100_000)]
    public int MaxLatencyIterations { get; set; } = 100;

    /// <summary>Fewest timed latency runs at any rung. Default 10.</summary>
    [Range(1, 100_000)]
    public int MinLatencyIterations { get; set; } = 10;

    /// <summary>Calibration rows of a full-budget trial. Default 256.</summary>
    [Range(1, 100_000)]
    public int MaxCalibrationSamples { get; set; } = 256;

    /// <summary>Fewest calibration rows at any rung. Default 16.</summary>
    [Range(1, 100_000)]
    public int MinCalibrationSamples { get; set; } = 16;

    /// <summary>Untimed runs before each latency measurement. Default 3.</summary>
    [Range(0, 10_000)]
    public int WarmupRuns { get; set; } = 3;

    /// <summary>Time budget of one trial's timed runs, in seconds. Default 5.</summary>
    [Range(0.01, 3600)]
    public double MaxLatencySeconds { get; set; } = 5;

    /// <summary>How many of the best configurations are re-evaluated on the full budget and re-timed by the verdict. Default 5: with 3, which near-tied configurations reached the verdict varied between runs of one seed, and so did the recommendation.</summary>
    [Range(1, 100)]
    public int FinalTopK { get; set; } = 5;

    /// <summary>Trials one rung fans out at most at once (the engine's own activity concurrency still applies). Default 64.</summary>
    [Range(1, 10_000)]
    public int MaxParallelTrials { get; set; } = 64;

    /// <summary>Attempts of an activity that fails with a transient fault (model-specific failures are results, never retried). Default 3.</summary>
    [Range(1, 20)]
    public int ActivityMaxAttempts { get; set; } = 3;

    /// <summary>Scratch folder for downloaded inputs and candidate files; null uses the system temporary folder.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>
    /// The measurement protocol of the final verdict (finalists against the original, interleaved). Defaults: at
    /// least 15 rounds, until every interval's half-width is within 3 %, at most 20 s.
    /// </summary>
    public Core.Timing.TimingProtocolOptions FinalTiming { get; set; } = new();

    /// <summary>
    /// The measurement protocol of a search trial (the candidate against the original, interleaved): cheaper than
    /// the verdict's, because trials only rank; the verdict decides. Defaults: 5 to 60 rounds, at most 1.5 s.
    /// </summary>
    public Core.Timing.TimingProtocolOptions TrialTiming { get; set; } = Core.Timing.TimingProtocolOptions.TrialDefaults;
}
