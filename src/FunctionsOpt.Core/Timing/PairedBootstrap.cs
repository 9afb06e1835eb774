using FunctionsOpt.Core.Data;

namespace FunctionsOpt.Core.Timing;

/// <summary>
/// The interval behind every speed-up FunctionsOpt prints. Rounds are paired: in round r the reference and the
/// candidate ran back to back (in a shuffled order), so a slow patch of the machine hits both. The estimate is the
/// ratio of the medians of the per-round values; its interval is the percentile bootstrap that resamples whole
/// rounds (the same round indices for both models, which keeps the pairing). Pure, deterministic for a seed,
/// thread-safe.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>The ratio median(candidate) / median(reference) over paired rounds, with its bootstrap interval.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, hold fewer than 2 rounds, or a value is not positive and finite.</exception>
    public static SpeedupEstimate RatioOfMedians(
        IReadOnlyList<double> candidate, IReadOnlyList<double> reference, int resamples = 2000, double confidence = 0.95, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(reference);
        if (candidate.Count != reference.Count || candidate.Count < 2)
        {
            throw new ArgumentException($"Paired rounds must be equal in number and at least 2 (got {candidate.Count} and {reference.Count}).", nameof(candidate));
        }

        if (candidate.Concat(reference).Any(v => !(v > 0) || !double.IsFinite(v)))
        {
            throw new ArgumentException("Round values must be positive and finite.", nameof(candidate));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(confidence, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(confidence, 1.0);
        var n = candidate.Count;
        var ratio = Median(candidate.ToArray()) / Median(reference.ToArray());
        var random = new SplitMix64(unchecked((ulong)seed) ^ 0x9E3779B97F4A7C15UL);
        var ratios = new double[resamples];
        var c = new double[n];
        var r = new double[n];
        for (var b = 0; b < resamples; b++)
        {
            for (var i = 0; i < n; i++)
            {
                var k = (int)random.NextBelow((ulong)n);
                c[i] = candidate[k];
                r[i] = reference[k];
            }

            ratios[b] = Median(c) / Median(r);
        }

        Array.Sort(ratios);
        var alpha = (1 - confidence) / 2;
        var low = Quantile(ratios, alpha);
        var high = Quantile(ratios, 1 - alpha);
        // A percentile interval can miss the point estimate with very few rounds; widen it so it never does.
        return new SpeedupEstimate(ratio, Math.Min(low, ratio), Math.Max(high, ratio), n, confidence);
    }

    /// <summary>The median (mean of the two middle values for an even count). Sorts <paramref name="values"/> in place.</summary>
    public static double Median(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Length, nameof(values));
        Array.Sort(values);
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private static double Quantile(double[] sorted, double q)
    {
        var h = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
