namespace FunctionsOpt.Core.Timing;

/// <summary>
/// How a candidate's latency compares with the reference's: <see cref="Ratio"/> = candidate / reference (below 1 is
/// faster) with a two-sided interval. Computed by <see cref="PairedBootstrap.RatioOfMedians"/>.
/// </summary>
/// <param name="Ratio">Point estimate: median of the candidate's per-round values over the median of the reference's.</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
/// <param name="Rounds">Paired rounds the estimate rests on.</param>
/// <param name="Confidence">Two-sided confidence of the interval (0.95 for 95 %).</param>
public sealed record SpeedupEstimate(double Ratio, double Low, double High, int Rounds, double Confidence)
{
    /// <summary>How the interval is computed, for reports.</summary>
    public const string Method = "paired percentile bootstrap over interleaved rounds (ratio of medians)";

    /// <summary>The whole interval is below 1: measurably faster.</summary>
    public bool IsFaster => High < 1;

    /// <summary>The whole interval is above 1: measurably slower.</summary>
    public bool IsSlower => Low > 1;

    /// <summary>Neither measurably faster nor slower.</summary>
    public bool IsWithinNoise => !IsFaster && !IsSlower;

    /// <summary>Half the interval's width relative to the point estimate.</summary>
    public double RelativeHalfWidth => Ratio > 0 ? (High - Low) / 2 / Ratio : double.PositiveInfinity;

    /// <summary>Speed-up factor (reference / candidate): 2 means twice as fast.</summary>
    public double Speedup => Ratio > 0 ? 1 / Ratio : double.PositiveInfinity;

    /// <summary>The same comparison seen from the other side (reference / candidate).</summary>
    public SpeedupEstimate Inverse() => new(1 / Ratio, 1 / High, 1 / Low, Rounds, Confidence);
}
