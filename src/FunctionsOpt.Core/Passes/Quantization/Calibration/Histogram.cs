namespace FunctionsOpt.Core.Passes.Quantization.Calibration;

/// <summary>
/// Fixed-range histogram of <see cref="Bins"/> equal bins over [<see cref="Lower"/>, <see cref="Upper"/>]. Values
/// below the range fall into the first bin, values at or above the upper edge into the last; NaN and infinities are
/// ignored and counted in <see cref="Ignored"/>. Counts are integers, so the result does not depend on the order in
/// which values arrive. Not thread-safe.
/// </summary>
public sealed class Histogram
{
    private readonly long[] _counts;
    private readonly double _scale;

    /// <summary>Creates an empty histogram; <paramref name="upper"/> may equal <paramref name="lower"/> (every value lands in bin 0).</summary>
    public Histogram(double lower, double upper, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || upper < lower)
        {
            throw new ArgumentOutOfRangeException(nameof(upper), $"The range [{lower}, {upper}] is not a finite, ordered interval.");
        }

        Lower = lower;
        Upper = upper;
        _counts = new long[bins];
        _scale = upper > lower ? bins / (upper - lower) : 0;
    }

    /// <summary>Lower edge of the first bin.</summary>
    public double Lower { get; }

    /// <summary>Upper edge of the last bin.</summary>
    public double Upper { get; }

    /// <summary>Number of bins.</summary>
    public int Bins => _counts.Length;

    /// <summary>Width of one bin (0 when the range is empty).</summary>
    public double BinWidth => (Upper - Lower) / _counts.Length;

    /// <summary>Counts per bin.</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Non-finite values skipped.</summary>
    public long Ignored { get; private set; }

    /// <summary>Adds <paramref name="values"/>, or their absolute values when <paramref name="absolute"/> is true.</summary>
    public void Add(ReadOnlySpan<float> values, bool absolute)
    {
        var last = _counts.Length - 1;
        foreach (var raw in values)
        {
            if (!float.IsFinite(raw))
            {
                Ignored++;
                continue;
            }

            double v = absolute ? Math.Abs(raw) : raw;
            var index = (long)((v - Lower) * _scale);
            _counts[index < 0 ? 0 : index > last ? last : index]++;
        }
    }
}
