using System.Globalization;

namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// Percentiles by linear interpolation between the closest ranks, matching numpy.percentile's default 'linear'
/// method: for sorted x of length n, h = (q / 100) * (n - 1), result = x[floor h] + (h - floor h) * (x[floor h + 1]
/// - x[floor h]). Used for latency summaries (p50/p90/p95/p99). Pure and thread-safe; the input is not modified.
/// </summary>
public static class Percentiles
{
    /// <summary>The <paramref name="percentile"/>-th percentile (0..100) of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">No values, or a NaN among them.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside [0,100].</exception>
    public static double Compute(ReadOnlySpan<double> values, double percentile)
    {
        ValidatePercentile(percentile);
        return Interpolate(Sorted(values), percentile);
    }

    /// <summary>Several percentiles of the same values, sorting once; results are in request order.</summary>
    /// <exception cref="ArgumentException">No values, or a NaN among them.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A percentile is outside [0,100].</exception>
    public static double[] Compute(ReadOnlySpan<double> values, ReadOnlySpan<double> percentiles)
    {
        foreach (var q in percentiles)
        {
            ValidatePercentile(q);
        }

        var sorted = Sorted(values);
        var result = new double[percentiles.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Interpolate(sorted, percentiles[i]);
        }

        return result;
    }

    /// <summary>The 50th percentile: the middle value, or the mean of the two middle values for an even count.</summary>
    /// <exception cref="ArgumentException">No values, or a NaN among them.</exception>
    public static double Median(ReadOnlySpan<double> values) => Compute(values, 50.0);

    private static void ValidatePercentile(double percentile)
    {
        if (!(percentile >= 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(
                nameof(percentile),
                percentile,
                string.Create(CultureInfo.InvariantCulture, $"Percentiles must lie in [0,100]; got {percentile}."));
        }
    }

    private static double[] Sorted(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("A percentile of no values is undefined.", nameof(values));
        }

        var sorted = values.ToArray();
        foreach (var v in sorted)
        {
            if (double.IsNaN(v))
            {
                throw new ArgumentException("Values contain NaN, so percentiles are undefined.", nameof(values));
            }
        }

        Array.Sort(sorted);
        return sorted;
    }

    private static double Interpolate(double[] sorted, double percentile)
    {
        // Same operation order as numpy's _quantile and _lerp, so results agree to the last bit where possible.
        var h = (percentile / 100.0) * (sorted.Length - 1);
        var lowerIndex = (int)Math.Floor(h);
        var upperIndex = Math.Min(lowerIndex + 1, sorted.Length - 1);
        var t = h - lowerIndex;
        var a = sorted[lowerIndex];
        var b = sorted[upperIndex];
        var diff = b - a;
        return t >= 0.5 ? b - (diff * (1 - t)) : a + (diff * t);
    }
}
