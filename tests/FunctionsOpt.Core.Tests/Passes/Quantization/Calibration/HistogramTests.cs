using FunctionsOpt.Core.Passes.Quantization.Calibration;

namespace FunctionsOpt.Core.Tests.Passes.Quantization.Calibration;

public sealed class HistogramTests
{
    [Fact]
    public void Add_Values_LandInTheirBinsWithEdgesClamped()
    {
        var histogram = new Histogram(0, 4, 4);

        // 0 -> bin 0; 0.99 -> 0; 1 -> 1; 2.5 -> 2; 4 (upper edge) -> 3; -1 (below) -> 0; 9 (above) -> 3.
        histogram.Add([0f, 0.99f, 1f, 2.5f, 4f, -1f, 9f], absolute: false);

        Assert.Equal([3L, 1L, 1L, 2L], histogram.Counts.ToArray());
        Assert.Equal(1.0, histogram.BinWidth, 12);
    }

    [Fact]
    public void Add_Absolute_FoldsNegativesAndSkipsNonFinite()
    {
        var histogram = new Histogram(0, 2, 2);

        histogram.Add([-1.5f, 1.5f, -0.5f, float.NaN, float.PositiveInfinity], absolute: true);

        Assert.Equal([1L, 2L], histogram.Counts.ToArray());
        Assert.Equal(2, histogram.Ignored);
    }

    [Fact]
    public void Add_EmptyRange_EverythingInFirstBin()
    {
        var histogram = new Histogram(0, 0, 8);

        histogram.Add([0f, 0f], absolute: true);

        Assert.Equal(2, histogram.Counts[0]);
        Assert.Equal(0.0, histogram.BinWidth);
    }
}
