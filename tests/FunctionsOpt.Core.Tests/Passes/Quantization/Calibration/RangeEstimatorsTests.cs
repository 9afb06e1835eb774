using FunctionsOpt.Core.Passes.Quantization.Calibration;

namespace FunctionsOpt.Core.Tests.Passes.Quantization.Calibration;

public sealed class RangeEstimatorsTests
{
    // numpy 1.24: rng = np.random.default_rng(7); x = np.abs(rng.laplace(0, 1, 5000));
    // counts, _ = np.histogram(x, bins=64, range=(0, x.max()))
    private static readonly long[] Laplace =
    [
        471, 443, 405, 367, 343, 332, 270, 235, 215, 197, 171, 136, 150, 138, 112, 97, 111, 76, 77, 76, 65, 58, 46, 32, 35, 45, 24, 25, 23, 15, 24, 19,
        18, 16, 14, 9, 11, 13, 11, 3, 9, 4, 9, 3, 6, 2, 4, 6, 7, 3, 4, 3, 2, 1, 0, 0, 0, 1, 2, 2, 1, 0, 2, 1,
    ];

    // Same generator, next draw: y = np.abs(rng.standard_normal(5000)); np.histogram(y, bins=64, range=(0, y.max()))
    private static readonly long[] Normal =
    [
        230, 241, 254, 232, 233, 240, 217, 218, 215, 188, 194, 188, 177, 154, 175, 142, 137, 148, 122, 114, 113, 104, 108, 86, 79, 71, 73, 60, 60, 62, 39, 41,
        39, 27, 22, 25, 32, 23, 17, 15, 12, 13, 9, 6, 8, 5, 3, 4, 2, 4, 3, 2, 4, 1, 2, 2, 1, 0, 1, 2, 0, 0, 0, 1,
    ];

    [Theory]
    [InlineData(50.0, 1.5)] // cumulative 10, 30, 60 reaches 50 in bin 2 -> upper edge 3 * 0.5
    [InlineData(10.0, 0.5)] // 10 of 100 reached in bin 0
    [InlineData(60.0, 1.5)] // exactly 60 reached in bin 2
    [InlineData(100.0, 2.0)]
    public void SymmetricPercentile_HandHistogram_UpperEdgeOfFirstBinReachingTarget(double percentile, double expected)
    {
        long[] counts = [10, 20, 30, 40];

        Assert.Equal(expected, RangeEstimators.SymmetricPercentile(counts, 0.5, percentile), 12);
    }

    [Fact]
    public void SymmetricPercentile_LongTail_ClipsTheOutliers()
    {
        // 9990 values in bin 0 and 10 far out in bin 999: 99.9% is reached in bin 0.
        var counts = new long[1000];
        counts[0] = 9990;
        counts[999] = 10;

        Assert.Equal(0.01, RangeEstimators.SymmetricPercentile(counts, 0.01, 99.9), 12);
        Assert.Equal(10.0, RangeEstimators.SymmetricPercentile(counts, 0.01, 99.95), 12);
    }

    [Fact]
    public void TwoTailedPercentile_HandHistogram_ClipsHalfTheRestFromEachTail()
    {
        // Histogram over [-2, 2], 8 bins of 0.5: 100 values, 5 in each outer bin.
        long[] counts = [5, 10, 15, 20, 20, 15, 10, 5];

        // 90%: 5 from each tail. Lower: cumulative reaches 5 in bin 0 -> edge -2. Upper: reaches 95 in bin 6 -> edge -2 + 7 * 0.5.
        var (min, max) = RangeEstimators.TwoTailedPercentile(counts, -2, 0.5, 90);
        Assert.Equal(-2.0, min, 12);
        Assert.Equal(1.5, max, 12);

        // 80%: 10 from each tail. Lower reaches 10 in bin 1 -> edge -1.5; upper reaches 90 in bin 6 -> 1.5.
        (min, max) = RangeEstimators.TwoTailedPercentile(counts, -2, 0.5, 80);
        Assert.Equal(-1.5, min, 12);
        Assert.Equal(1.5, max, 12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Percentile_OutOfRange_Throws(double percentile)
    {
        long[] counts = [1, 2];

        Assert.Throws<ArgumentOutOfRangeException>(() => RangeEstimators.SymmetricPercentile(counts, 1, percentile));
        Assert.Throws<ArgumentOutOfRangeException>(() => RangeEstimators.TwoTailedPercentile(counts, 0, 1, percentile));
    }

    [Fact]
    public void EntropyThreshold_AllMassInFirstLevelBins_KeepsExactlyThoseBins()
    {
        // With i = levels every bin is its own group, so Q = P and KL = 0: the first candidate wins.
        var counts = new long[64];
        for (var k = 0; k < 8; k++)
        {
            counts[k] = 100 - (k * 10);
        }

        Assert.Equal(8 * 0.25, RangeEstimators.EntropyThreshold(counts, 0.25, 8), 12);
    }

    [Theory]
    // Expected values from the same algorithm written independently in numpy (loop i in [levels, bins]; p = counts[:i],
    // p[i-1] += counts[i:].sum(); q merges counts[:i] into `levels` groups of i // levels bins (last takes the rest),
    // spread over p's non-zero bins; smooth both with eps 1e-4; normalize; KL over p > 0; first argmin; return i * width):
    //   Laplace, levels 4 -> i 39; levels 16 -> i 61. Normal, levels 8 -> i 54.
    [InlineData("laplace", 4, 39)]
    [InlineData("laplace", 16, 61)]
    [InlineData("normal", 8, 54)]
    public void EntropyThreshold_SampledHistograms_MatchNumpyReference(string histogram, int levels, int expectedBins)
    {
        var counts = histogram == "laplace" ? Laplace : Normal;

        Assert.Equal(expectedBins * 0.25, RangeEstimators.EntropyThreshold(counts, 0.25, levels), 12);
    }

    [Fact]
    public void EntropyThreshold_FewerBinsThanLevels_ReturnsWholeRange()
    {
        long[] counts = [3, 2, 1];

        Assert.Equal(3.0, RangeEstimators.EntropyThreshold(counts, 1.0, 128), 12);
    }
}
