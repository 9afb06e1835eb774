using FunctionsOpt.Core.Data;

namespace FunctionsOpt.Core.Timing;

/// <summary>
/// median(a) − median(b) for two independent groups, with a percentile bootstrap interval that resamples each group
/// on its own (unpaired). Reports use it to show a pass's effect only when the interval excludes zero. Pure,
/// deterministic for a seed.
/// </summary>
public static class MedianDifference
{
    /// <summary>The difference and its interval; null when a group is empty.</summary>
    public static (double Estimate, double Low, double High)? Estimate(IReadOnlyList<double> a, IReadOnlyList<double> b, int resamples = 2000, double confidence = 0.95, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0)
        {
            return null;
        }

        var estimate = PairedBootstrap.Median(a.ToArray()) - PairedBootstrap.Median(b.ToArray());
        var random = new SplitMix64(unchecked((ulong)seed) ^ 0xA24BAED4963EE407UL);
        var ra = new double[a.Count];
        var rb = new double[b.Count];
        var differences = new double[resamples];
        for (var i = 0; i < resamples; i++)
        {
            for (var k = 0; k < ra.Length; k++)
            {
                ra[k] = a[(int)random.NextBelow((ulong)a.Count)];
            }

            for (var k = 0; k < rb.Length; k++)
            {
                rb[k] = b[(int)random.NextBelow((ulong)b.Count)];
            }

            differences[i] = PairedBootstrap.Median(ra) - PairedBootstrap.Median(rb);
        }

        Array.Sort(differences);
        var alpha = (1 - confidence) / 2;
        var low = differences[(int)Math.Floor(alpha * (resamples - 1))];
        var high = differences[(int)Math.Ceiling((1 - alpha) * (resamples - 1))];
        return (estimate, Math.Min(low, estimate), Math.Max(high, estimate));
    }

    /// <summary>The difference when its interval excludes zero, else null (within noise, or a group is empty).</summary>
    public static double? IfMeasurable(IReadOnlyList<double> a, IReadOnlyList<double> b, long seed = 0) =>
        Estimate(a, b, seed: seed) is { } e && (e.Low > 0 || e.High < 0) ? e.Estimate : null;
}
