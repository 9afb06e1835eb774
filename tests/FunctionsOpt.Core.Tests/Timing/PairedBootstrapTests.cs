using FunctionsOpt.Core.Timing;

namespace FunctionsOpt.Core.Tests.Timing;

public sealed class PairedBootstrapTests
{
    [Fact]
    public void RatioOfMedians_CandidateHalfOfReferenceInEveryRound_IntervalCollapsesOnHalf()
    {
        // Pairing keeps round k of both models together, so a constant per-round ratio leaves no spread at all,
        // however much the rounds themselves vary (an unpaired bootstrap would give a wide interval here).
        double[] reference = [1, 2, 3, 4, 5, 6, 7];
        var candidate = reference.Select(r => r * 0.5).ToArray();

        var estimate = PairedBootstrap.RatioOfMedians(candidate, reference, seed: 3);

        Assert.Equal(0.5, estimate.Ratio, 12);
        Assert.Equal(0.5, estimate.Low, 12);
        Assert.Equal(0.5, estimate.High, 12);
        Assert.True(estimate.IsFaster);
        Assert.Equal(7, estimate.Rounds);
    }

    [Fact]
    public void RatioOfMedians_HandComputedMedians_PointEstimateIsRatioOfMedians()
    {
        // median(1, 9, 3, 4) = 3.5; median(2, 2, 4, 8) = 3 → 3.5 / 3.
        var estimate = PairedBootstrap.RatioOfMedians([1, 9, 3, 4], [2, 2, 4, 8], seed: 1);

        Assert.Equal(3.5 / 3, estimate.Ratio, 12);
        Assert.True(estimate.Low <= estimate.Ratio && estimate.Ratio <= estimate.High);
    }

    [Fact]
    public void RatioOfMedians_SameSeed_SameInterval()
    {
        double[] reference = [1.0, 1.1, 0.9, 1.05, 0.97, 1.2, 1.01, 0.99];
        double[] candidate = [0.9, 1.2, 0.8, 1.1, 1.0, 1.0, 0.95, 1.07];

        var first = PairedBootstrap.RatioOfMedians(candidate, reference, seed: 42);
        var second = PairedBootstrap.RatioOfMedians(candidate, reference, seed: 42);

        Assert.Equal(first, second);
        Assert.True(first.IsWithinNoise);
    }

    [Fact]
    public void RatioOfMedians_MismatchedRounds_Throws()
    {
        Assert.Throws<ArgumentException>(() => PairedBootstrap.RatioOfMedians([1, 2, 3], [1, 2]));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.RatioOfMedians([1, 0], [1, 2]));
    }

    [Fact]
    public void Median_EvenAndOddCounts_MatchesNumpyMedian()
    {
        // numpy.median([4, 1, 3]) = 3.0; numpy.median([4, 1, 3, 2]) = 2.5
        Assert.Equal(3.0, PairedBootstrap.Median([4, 1, 3]));
        Assert.Equal(2.5, PairedBootstrap.Median([4, 1, 3, 2]));
    }
}
