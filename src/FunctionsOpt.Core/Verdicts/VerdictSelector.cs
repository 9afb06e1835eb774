using System.Globalization;
using FunctionsOpt.Core.Timing;

namespace FunctionsOpt.Core.Verdicts;

/// <summary>
/// Chooses what to recommend from finalists that were re-timed against the original in one interleaved session.
/// On a speed objective a finalist wins only when its whole interval is below 1 (<see cref="SpeedupEstimate.IsFaster"/>);
/// finalists whose point estimate falls inside the best one's interval are tied, and ties go to the smaller model,
/// then to fewer passes. Without a measurable win the original is recommended, unless a lossless finalist is smaller
/// and not measurably slower. A measurably slower model is never recommended on a speed objective. On a size
/// objective sizes are exact: the smallest finalist meeting the constraints wins, ties to fewer passes, then speed.
/// Pure and deterministic.
/// </summary>
public static class VerdictSelector
{
    /// <summary>The headline when nothing is measurably faster.</summary>
    public const string NoMeasurableSpeedup = "no measurable speed-up";

    /// <summary>Chooses the recommendation.</summary>
    /// <param name="goal">What the objective asks for.</param>
    /// <param name="originalSizeBytes">The original model's size.</param>
    /// <param name="finalists">The finalists, each with its re-measured evidence.</param>
    public static Verdict Choose(VerdictGoal goal, long originalSizeBytes, IReadOnlyList<FinalistEvidence> finalists)
    {
        ArgumentNullException.ThrowIfNull(finalists);
        var reasons = finalists.Select(f => Describe(f, originalSizeBytes)).ToArray();
        var meeting = finalists.Where(f => f.MeetsConstraints).ToList();
        if (meeting.Count == 0)
        {
            return new Verdict(VerdictKind.NoneMeetsConstraints, null, "no candidate meets the constraints: keep the original", reasons);
        }

        return goal == VerdictGoal.Size ? ChooseBySize(originalSizeBytes, meeting, reasons) : ChooseBySpeed(originalSizeBytes, meeting, reasons);
    }

    private static Verdict ChooseBySpeed(long originalSize, List<FinalistEvidence> meeting, string[] reasons)
    {
        var faster = meeting.Where(f => f.Latency is { IsFaster: true }).ToList();
        if (faster.Count > 0)
        {
            var best = faster.MinBy(f => f.Latency!.Ratio)!;
            var chosen = faster.Where(f => f.Latency!.Ratio <= best.Latency!.High)
                .OrderBy(f => f.SizeBytes).ThenBy(f => f.PassCount).ThenBy(f => f.Latency!.Ratio).ThenBy(f => f.TrialId, StringComparer.Ordinal)
                .First();
            return new Verdict(VerdictKind.MeasurableGain, chosen.TrialId, $"{Speed(chosen.Latency!)} faster than the original", reasons);
        }

        var smaller = meeting.Where(f => f.Lossless && f.SizeBytes < originalSize && f.Latency is { IsSlower: false })
            .OrderBy(f => f.SizeBytes).ThenBy(f => f.PassCount).ThenBy(f => f.TrialId, StringComparer.Ordinal).FirstOrDefault();
        if (smaller is not null)
        {
            var factor = (double)originalSize / Math.Max(1, smaller.SizeBytes);
            return new Verdict(
                VerdictKind.SmallerWithinNoise,
                smaller.TrialId,
                FormattableString.Invariant($"{NoMeasurableSpeedup}; {factor:0.##}x smaller with no quality loss and speed within noise"),
                reasons);
        }

        return new Verdict(VerdictKind.NoMeasurableGain, null, NoMeasurableSpeedup + ": keep the original", reasons);
    }

    private static Verdict ChooseBySize(long originalSize, List<FinalistEvidence> meeting, string[] reasons)
    {
        var chosen = meeting.Where(f => f.SizeBytes < originalSize)
            .OrderBy(f => f.SizeBytes).ThenBy(f => f.PassCount).ThenBy(f => f.Latency?.Ratio ?? double.MaxValue).ThenBy(f => f.TrialId, StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen is null)
        {
            return new Verdict(VerdictKind.NoMeasurableGain, null, "no smaller model: keep the original", reasons);
        }

        var factor = (double)originalSize / Math.Max(1, chosen.SizeBytes);
        var speed = chosen.Latency is { } l ? "; " + (l.IsSlower ? $"{Slow(l)} slower" : l.IsFaster ? $"{Speed(l)} faster" : "speed within noise") : string.Empty;
        return new Verdict(VerdictKind.MeasurableGain, chosen.TrialId, FormattableString.Invariant($"{factor:0.##}x smaller than the original{speed}"), reasons);
    }

    private static string Describe(FinalistEvidence f, long originalSize)
    {
        var factor = (double)originalSize / Math.Max(1, f.SizeBytes);
        var size = factor switch
        {
            >= 1.005 => FormattableString.Invariant($"size {factor:0.##}x smaller"),
            <= 0.995 => FormattableString.Invariant($"size {1 / factor:0.##}x larger"),
            _ => "same size",
        };
        var speed = f.Latency switch
        {
            null => "not timed",
            { IsFaster: true } l => $"{Speed(l)} faster",
            { IsSlower: true } l => $"{Slow(l)} slower",
            { } l => $"within noise ({Interval(l)})",
        };
        var bar = f.MeetsConstraints ? (f.Lossless ? "meets the bar, lossless" : "meets the bar") : "misses the bar";
        return $"{f.TrialId}: {speed}, {size}, {bar}";
    }

    /// <summary>"1.42x (1.38–1.47)" for a faster ratio.</summary>
    public static string Speed(SpeedupEstimate l) => FormattableString.Invariant($"{1 / l.Ratio:0.00}x ({1 / l.High:0.00}-{1 / l.Low:0.00})");

    private static string Slow(SpeedupEstimate l) => FormattableString.Invariant($"{l.Ratio:0.00}x ({l.Low:0.00}-{l.High:0.00})");

    private static string Interval(SpeedupEstimate l) => string.Create(CultureInfo.InvariantCulture, $"latency ratio {l.Ratio:0.000}, {l.Confidence:P0} interval {l.Low:0.000}-{l.High:0.000}");
}
