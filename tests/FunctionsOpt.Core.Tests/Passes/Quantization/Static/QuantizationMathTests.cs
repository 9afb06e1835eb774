using FunctionsOpt.Core.Passes.Quantization.Calibration;
using FunctionsOpt.Core.Passes.Quantization.Static;

namespace FunctionsOpt.Core.Tests.Passes.Quantization.Static;

public sealed class QuantizationMathTests
{
    [Fact]
    public void ForActivation_AsymmetricInt8_ScaleSpansRangeAndZeroPointMapsZero()
    {
        // [-1, 3]: scale 4/255; zero point round(-128 + 1/(4/255)) = round(-128 + 63.75) = -64.
        var p = QuantizationMath.ForActivation(new TensorRange(-1, 3), signed: true, symmetric: false);

        Assert.Equal(4f / 255, p.Scale, 6);
        Assert.Equal(-64, p.ZeroPoint);
    }

    [Fact]
    public void ForActivation_RangeWithoutZero_WidenedToIncludeZero()
    {
        // [2, 5] becomes [0, 5]: uint8 scale 5/255, zero point 0; int8 zero point -128.
        Assert.Equal(new QuantParams(5f / 255, 0), QuantizationMath.ForActivation(new TensorRange(2, 5), signed: false, symmetric: false));
        Assert.Equal(-128, QuantizationMath.ForActivation(new TensorRange(2, 5), signed: true, symmetric: false).ZeroPoint);
    }

    [Theory]
    [InlineData(true, 3f / 127, 0)]   // int8 symmetric: [-127, 127], scale max|x| / 127
    [InlineData(false, 6f / 255, 128)] // uint8 symmetric: [0, 255] around 128, scale 2·max|x| / 255
    public void ForActivation_Symmetric_ZeroPointFixed(bool isSigned, float scale, int zeroPoint)
    {
        var p = QuantizationMath.ForActivation(new TensorRange(-1, 3), isSigned, symmetric: true);

        Assert.Equal(scale, p.Scale, 6);
        Assert.Equal(zeroPoint, p.ZeroPoint);
    }

    [Fact]
    public void QuantizeWeights_PerChannel_OneScalePerSliceOfAxis()
    {
        // [[0.5, -2], [0.1, 0.4]], axis 0: scales 2/127 and 0.4/127; 0.5·127/2 = 31.75 -> 32, 0.1·127/0.4 = 31.75 -> 32.
        var (values, scales) = QuantizationMath.QuantizeWeights([0.5f, -2f, 0.1f, 0.4f], [2, 2], axis: 0);

        Assert.Equal([32, -127, 32, 127], values.Select(v => (int)v));
        Assert.Equal(2f / 127, scales[0], 6);
        Assert.Equal(0.4f / 127, scales[1], 6);
    }

    [Fact]
    public void QuantizeWeights_PerTensorAndAxisOne_MatchHandValues()
    {
        // Per tensor: scale 2/127; 0.1·63.5 = 6.35 -> 6, 0.4·63.5 = 25.4 -> 25.
        var (perTensor, scale) = QuantizationMath.QuantizeWeights([0.5f, -2f, 0.1f, 0.4f], [2, 2], axis: null);
        Assert.Equal([32, -127, 6, 25], perTensor.Select(v => (int)v));
        Assert.Equal(2f / 127, Assert.Single(scale), 6);

        // Axis 1 (columns): column 0 = [0.5, 0.1] scale 0.5/127 -> [127, 25.4 -> 25]; column 1 = [-2, 0.4] -> [-127, 25].
        var (columns, columnScales) = QuantizationMath.QuantizeWeights([0.5f, -2f, 0.1f, 0.4f], [2, 2], axis: 1);
        Assert.Equal([127, -127, 25, 25], columns.Select(v => (int)v));
        Assert.Equal([0.5f / 127, 2f / 127], columnScales);
    }

    [Fact]
    public void QuantizeWeights_ZeroChannel_ScaleOne()
    {
        var (values, scales) = QuantizationMath.QuantizeWeights([0f, 0f, 1f, -1f], [2, 2], axis: 0);

        Assert.Equal(1f, scales[0]);
        Assert.Equal([0, 0, 127, -127], values.Select(v => (int)v));
    }

    [Fact]
    public void QuantizeBias_ScaleIsInputTimesWeightScale()
    {
        // Input scale 0.1, weight scales 0.02 and 0.005: bias scales 0.002 and 0.0005; [1, -0.5] -> [500, -1000].
        var (values, scales) = QuantizationMath.QuantizeBias([1f, -0.5f], 0.1f, [0.02f, 0.005f]);

        Assert.Equal([500, -1000], values);
        Assert.Equal(0.1f * 0.02f, scales[0]);
        Assert.Equal(0.1f * 0.005f, scales[1]);
    }
}
