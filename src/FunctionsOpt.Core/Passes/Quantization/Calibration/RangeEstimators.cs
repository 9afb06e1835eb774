namespace FunctionsOpt.Core.Passes.Quantization.Calibration;

/// <summary>
/// The range estimators behind <see cref="CalibrationMethod"/>, as pure functions of collected statistics. Thread-safe
/// (stateless) and deterministic: the same counts always give the same thresholds.
/// </summary>
public static class RangeEstimators
{
    /// <summary>Default histogram resolution for percentile and entropy calibration.</summary>
    public const int DefaultBins = 2048;

    /// <summary>Quantization levels on one side of zero for signed 8-bit values (0..127).</summary>
    public const int Int8Levels = 128;

    /// <summary>
    /// Threshold T such that at least <paramref name="percentile"/>% of the values of a histogram of |x| over
    /// [0, bins × <paramref name="binWidth"/>] are at most T: the upper edge of the first bin whose cumulative
    /// count reaches the percentile. The range is then [-T, T].
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is not in (0, 100].</exception>
    public static double SymmetricPercentile(ReadOnlySpan<long> absoluteCounts, double binWidth, double percentile)
    {
        CheckPercentile(percentile);
        var total = Sum(absoluteCounts);
        if (total == 0)
        {
            return 0;
        }

        var bin = FirstBinReaching(absoluteCounts, percentile / 100.0 * total);
        return (bin + 1) * binWidth;
    }

    /// <summary>
    /// Range that clips (100 − <paramref name="percentile"/>)/2 % of the values from each tail of a histogram over
    /// [<paramref name="lower"/>, lower + bins × <paramref name="binWidth"/>]: from the lower edge of the first bin whose
    /// cumulative count reaches the lower tail to the upper edge of the first bin whose cumulative count reaches the
    /// upper one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is not in (0, 100].</exception>
    public static (double Min, double Max) TwoTailedPercentile(ReadOnlySpan<long> counts, double lower, double binWidth, double percentile)
    {
        CheckPercentile(percentile);
        var total = Sum(counts);
        if (total == 0)
        {
            return (lower, lower);
        }

        var tail = (100.0 - percentile) / 200.0;
        var low = FirstBinReaching(counts, tail * total);
        var high = FirstBinReaching(counts, (1.0 - tail) * total);
        return (lower + (low * binWidth), lower + ((high + 1) * binWidth));
    }

    /// <summary>
    /// Entropy (KL-divergence) calibration of a histogram of |x| over [0, bins × <paramref name="binWidth"/>], as in
    /// TensorRT's int8 calibrator. For every candidate i from <paramref name="levels"/> to bins: P is the first i bins
    /// with the clipped outliers added to bin i−1; Q merges those i bins into <paramref name="levels"/> groups
    /// (i / levels bins each, the last group taking the remainder) and spreads each group's count evenly over its
    /// bins that are non-zero in P; both are smoothed (zero bins get 1e-4, taken from the non-zero bins) and
    /// normalized; the candidate with the least KL(P‖Q) wins, the first on ties. Returns i × binWidth, the upper
    /// edge of the chosen bins; the whole histogram's upper edge when it has fewer bins than levels.
    /// </summary>
    public static double EntropyThreshold(ReadOnlySpan<long> absoluteCounts, double binWidth, int levels = Int8Levels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 2);
        var bins = absoluteCounts.Length;
        if (bins <= levels || Sum(absoluteCounts) == 0)
        {
            return bins * binWidth;
        }

        var p = new double[bins];
        var q = new double[bins];
        var suffix = new long[bins + 1];
        for (var k = bins - 1; k >= 0; k--)
        {
            suffix[k] = suffix[k + 1] + absoluteCounts[k];
        }

        var best = double.PositiveInfinity;
        var bestBins = bins;
        for (var i = levels; i <= bins; i++)
        {
            for (var k = 0; k < i; k++)
            {
                p[k] = absoluteCounts[k];
            }

            p[i - 1] += suffix[i];

            var merged = i / levels;
            for (var j = 0; j < levels; j++)
            {
                var start = j * merged;
                var stop = j == levels - 1 ? i : start + merged;
                double sum = 0;
                var nonZero = 0;
                for (var k = start; k < stop; k++)
                {
                    sum += absoluteCounts[k];
                    if (p[k] != 0)
                    {
                        nonZero++;
                    }
                }

                for (var k = start; k < stop; k++)
                {
                    q[k] = p[k] != 0 && nonZero > 0 ? sum / nonZero : 0;
                }
            }

            var divergence = Smooth(p.AsSpan(0, i)) && Smooth(q.AsSpan(0, i))
                ? KullbackLeibler(p.AsSpan(0, i), q.AsSpan(0, i))
                : double.PositiveInfinity;
            if (divergence < best)
            {
                best = divergence;
                bestBins = i;
            }
        }

        return bestBins * binWidth;
    }

    /// <summary>Gives each zero bin 1e-4 and takes the same total evenly from the non-zero bins; false when all are zero.</summary>
    private static bool Smooth(Span<double> values)
    {
        const double Epsilon = 1e-4;
        var zeros = 0;
        foreach (var v in values)
        {
            if (v == 0)
            {
                zeros++;
            }
        }

        var nonZeros = values.Length - zeros;
        if (nonZeros == 0)
        {
            return false;
        }

        var take = Epsilon * zeros / nonZeros;
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = values[k] == 0 ? Epsilon : values[k] - take;
        }

        return true;
    }

    /// <summary>KL(P‖Q) of the normalized distributions, over the bins where P is positive.</summary>
    private static double KullbackLeibler(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        double sumP = 0, sumQ = 0;
        for (var k = 0; k < p.Length; k++)
        {
            sumP += p[k];
            sumQ += q[k];
        }

        double divergence = 0;
        for (var k = 0; k < p.Length; k++)
        {
            if (p[k] <= 0)
            {
                continue;
            }

            var pk = p[k] / sumP;
            var qk = q[k] / sumQ;
            if (qk <= 0)
            {
                return double.PositiveInfinity;
            }

            divergence += pk * Math.Log(pk / qk);
        }

        return divergence;
    }

    /// <summary>
    /// The first bin whose cumulative count reaches <paramref name="target"/>, with a relative slack of 1e-9 so that
    /// a target that is an integer up to rounding (99.9% of 10000) is reached by that integer count.
    /// </summary>
    private static int FirstBinReaching(ReadOnlySpan<long> counts, double target)
    {
        target -= Math.Abs(target) * 1e-9;
        long cumulative = 0;
        for (var k = 0; k < counts.Length; k++)
        {
            cumulative += counts[k];
            if (cumulative >= target)
            {
                return k;
            }
        }

        return counts.Length - 1;
    }

    private static long Sum(ReadOnlySpan<long> counts)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        return total;
    }

    private static void CheckPercentile(double percentile)
    {
        if (!(percentile > 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be in (0, 100].");
        }
    }
}
