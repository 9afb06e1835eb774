using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Tests.Evaluation.Metrics;

/// <summary>
/// Expected values from numpy 1.24:
/// <c>np.percentile(np.array(a), [0, 25, 50, 90, 95, 99, 100, 33.3])</c> and <c>np.median(np.array(a))</c>.
/// </summary>
public sealed class PercentilesTests
{
    private static readonly double[] Requested = [0, 25, 50, 90, 95, 99, 100, 33.3];

    public static TheoryData<double[], double[], double> NumpyCases => new()
    {
        // Odd length.
        { [3.0, 1.0, 2.0], [1.0, 1.5, 2.0, 2.8, 2.9, 2.98, 3.0, 1.666], 2.0 },
        // Even length, unsorted.
        { [4.0, 1.0, 3.0, 2.0], [1.0, 1.75, 2.5, 3.7, 3.8499999999999996, 3.9699999999999998, 4.0, 1.9989999999999999], 2.5 },
        // Odd length with duplicates, a negative and an outlier.
        {
            [0.5, 12.25, 7.0, 7.0, 3.5, 100.0, -2.0],
            [-2.0, 2.0, 7.0, 47.35000000000003, 73.67499999999994, 94.73499999999996, 100.0, 3.4939999999999993],
            7.0
        },
        // A single value.
        { [42.0], [42.0, 42.0, 42.0, 42.0, 42.0, 42.0, 42.0, 42.0], 42.0 },
        // Two values.
        { [1.5, 2.5], [1.5, 1.75, 2.0, 2.4, 2.45, 2.49, 2.5, 1.833], 2.0 },
    };

    [Theory]
    [MemberData(nameof(NumpyCases))]
    public void Compute_ManyPercentiles_MatchesNumpyLinear(double[] values, double[] expected, double expectedMedian)
    {
        var actual = Percentiles.Compute(values, Requested);

        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-12);
        }

        Assert.Equal(expectedMedian, Percentiles.Median(values));
    }

    [Fact]
    public void Compute_SinglePercentile_InterpolatesBetweenClosestRanks()
    {
        // Sorted [10, 20, 30, 40]: h = 0.9 * 3 = 2.7, so 30 + 0.7 * (40 - 30) = 37.
        double[] values = [40, 10, 30, 20];

        Assert.Equal(37.0, Percentiles.Compute(values, 90), 1e-12);
    }

    [Fact]
    public void Compute_DoesNotReorderInput()
    {
        double[] values = [3.0, 1.0, 2.0];

        Percentiles.Compute(values, 50);

        Assert.Equal([3.0, 1.0, 2.0], values);
    }

    [Fact]
    public void Median_EvenCount_IsMeanOfMiddleValues()
    {
        // Sorted [1, 2, 5, 9]: (2 + 5) / 2 = 3.5.
        Assert.Equal(3.5, Percentiles.Median([9.0, 1.0, 5.0, 2.0]));
    }

    [Fact]
    public void Compute_Empty_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => Percentiles.Compute([], 50));

        Assert.StartsWith("A percentile of no values is undefined.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_PercentileAbove100_ThrowsArgumentOutOfRange()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Compute([1.0], 100.5));

        Assert.StartsWith("Percentiles must lie in [0,100]; got 100.5.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_NaNValue_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Percentiles.Compute([1.0, double.NaN], 50));
    }
}
