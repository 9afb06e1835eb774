using FunctionsOpt.Core.Timing;

namespace FunctionsOpt.Core.Tests.Timing;

public sealed class MedianDifferenceTests
{
    [Fact]
    public void Estimate_SeparatedGroups_IntervalExcludesZero()
    {
        // Every resampled median of a lies in [-0.5, -0.4] and of b in [0, 0.1]: the difference is always below -0.4.
        var e = MedianDifference.Estimate([-0.4, -0.5, -0.45], [0, 0.1], seed: 2)!.Value;

        Assert.Equal(-0.45 - 0.05, e.Estimate, 12);
        Assert.True(e.High <= -0.4 + 1e-12);
        Assert.Equal(-0.5, MedianDifference.IfMeasurable([-0.4, -0.5, -0.45], [0, 0.1])!.Value, 12);
    }

    [Fact]
    public void IfMeasurable_OverlappingGroups_Null()
    {
        Assert.Null(MedianDifference.IfMeasurable([1.0, 1.2, 0.9, 1.1], [1.05, 0.95, 1.15, 1.0]));
        Assert.Null(MedianDifference.IfMeasurable([], [1.0]));
    }
}
