using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Search;

/// <summary>
/// One evaluation the scheduler asks for: a configuration at a resource. Immutable. A promoted trial is a new trial
/// (new id) of the same configuration at a larger resource; <see cref="PromotedFrom"/> names the trial it continues.
/// </summary>
public sealed record Trial
{
    /// <summary>Sequential id, unique within one search (0, 1, 2, ... in the order trials were suggested).</summary>
    public required int Id { get; init; }

    /// <summary>The configuration to build and evaluate.</summary>
    public required SearchConfiguration Configuration { get; init; }

    /// <summary>Bracket (Hyperband's s; the early-stopping rate for ASHA; 0 for grid and random).</summary>
    public required int Bracket { get; init; }

    /// <summary>Rung within the bracket (0 = first, cheapest).</summary>
    public required int Rung { get; init; }

    /// <summary>The raw resource r, in the units of the search's maximum resource R.</summary>
    public required double Resource { get; init; }

    /// <summary>r / R, in (0, 1].</summary>
    public required double ResourceFraction { get; init; }

    /// <summary>What the resource means for the evaluation.</summary>
    public required TrialBudget Budget { get; init; }

    /// <summary>The lower-rung trial this one promotes, if any.</summary>
    public int? PromotedFrom { get; init; }
}

/// <summary>What an evaluation at a given resource may spend.</summary>
/// <param name="EvaluationSampleFraction">Fraction of the evaluation set to score, in (0, 1].</param>
/// <param name="LatencyIterations">Timed latency runs.</param>
/// <param name="CalibrationSamples">Calibration rows for static quantization.</param>
public sealed record TrialBudget(double EvaluationSampleFraction, int LatencyIterations, int CalibrationSamples);

/// <summary>
/// Maps a resource fraction f = r / R onto a <see cref="TrialBudget"/>: the sample fraction is max(f, floor), and
/// iterations and calibration samples scale as ceil(max · f), clamped below by their minimum. At f = 1 the
/// evaluation is the full one.
/// </summary>
public sealed record TrialBudgetPolicy
{
    /// <summary>Latency runs at the full resource (default 200).</summary>
    public int MaxLatencyIterations { get; init; } = 200;

    /// <summary>Fewest latency runs at any resource (default 10).</summary>
    public int MinLatencyIterations { get; init; } = 10;

    /// <summary>Calibration rows at the full resource (default 512).</summary>
    public int MaxCalibrationSamples { get; init; } = 512;

    /// <summary>Fewest calibration rows at any resource (default 16).</summary>
    public int MinCalibrationSamples { get; init; } = 16;

    /// <summary>Smallest evaluation-set fraction at any resource (default 0: no floor).</summary>
    public double MinSampleFraction { get; init; }

    /// <summary>The budget for <paramref name="fraction"/> = r / R.</summary>
    public TrialBudget For(double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        return new TrialBudget(
            Math.Max(fraction, MinSampleFraction),
            Math.Min(MaxLatencyIterations, Math.Max(MinLatencyIterations, (int)Math.Ceiling(MaxLatencyIterations * fraction))),
            Math.Min(MaxCalibrationSamples, Math.Max(MinCalibrationSamples, (int)Math.Ceiling(MaxCalibrationSamples * fraction))));
    }
}
