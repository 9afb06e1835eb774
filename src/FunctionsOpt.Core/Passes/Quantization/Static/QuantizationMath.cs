using FunctionsOpt.Core.Passes.Quantization.Calibration;

namespace FunctionsOpt.Core.Passes.Quantization.Static;

/// <summary>Scale and zero point of one tensor (per-tensor quantization).</summary>
internal readonly record struct QuantParams(float Scale, int ZeroPoint);

/// <summary>Linear quantization arithmetic shared by activations, weights and biases. Rounding is half to even.</summary>
internal static class QuantizationMath
{
    /// <summary>
    /// Activation parameters for <paramref name="range"/>. The range is first widened to include 0 (so 0 is exact).
    /// Asymmetric: scale = (max − min)/(qmax − qmin), zero point = round(qmin − min/scale). Symmetric: int8 uses
    /// [−127, 127] with zero point 0, uint8 [0, 255] with zero point 128, scale = 2·max|x|/(qmax − qmin).
    /// </summary>
    public static QuantParams ForActivation(TensorRange range, bool signed, bool symmetric)
    {
        double lo = Math.Min(range.Min, 0f);
        double hi = Math.Max(range.Max, 0f);
        if (symmetric)
        {
            var absMax = Math.Max(Math.Abs(lo), Math.Abs(hi));
            var (qmin, qmax, zero) = signed ? (-127, 127, 0) : (0, 255, 128);
            var scale = absMax > 0 ? (float)(2 * absMax / (qmax - qmin)) : 1f;
            return new QuantParams(scale, zero);
        }
        else
        {
            var (qmin, qmax) = signed ? (-128, 127) : (0, 255);
            var scale = hi > lo ? (float)((hi - lo) / (qmax - qmin)) : 1f;
            var zero = (int)Math.Round(qmin - (lo / scale), MidpointRounding.ToEven);
            return new QuantParams(scale, Math.Clamp(zero, qmin, qmax));
        }
    }

    /// <summary>
    /// Symmetric int8 weights in [−127, 127] with zero point 0: one scale (max|w|/127) per tensor, or one per slice
    /// along <paramref name="axis"/>. A slice of zeros gets scale 1.
    /// </summary>
    public static (sbyte[] Values, float[] Scales) QuantizeWeights(ReadOnlySpan<float> weights, IReadOnlyList<long> dims, int? axis)
    {
        var channels = axis is { } a ? checked((int)dims[a]) : 1;
        var inner = 1L;
        if (axis is { } ax)
        {
            for (var d = ax + 1; d < dims.Count; d++)
            {
                inner *= dims[d];
            }
        }

        var absMax = new float[channels];
        for (var e = 0; e < weights.Length; e++)
        {
            var c = axis is null ? 0 : (int)(e / inner % channels);
            absMax[c] = Math.Max(absMax[c], Math.Abs(weights[e]));
        }

        var scales = absMax.Select(m => m > 0 ? m / 127f : 1f).ToArray();
        var values = new sbyte[weights.Length];
        for (var e = 0; e < weights.Length; e++)
        {
            var c = axis is null ? 0 : (int)(e / inner % channels);
            values[e] = (sbyte)Math.Clamp(MathF.Round(weights[e] / scales[c], MidpointRounding.ToEven), -127f, 127f);
        }

        return (values, scales);
    }

    /// <summary>Values of one tensor quantized with <paramref name="p"/> to int8 or uint8 (as int, saturated).</summary>
    public static int[] QuantizeWith(ReadOnlySpan<float> values, QuantParams p, bool signed)
    {
        var (qmin, qmax) = signed ? (-128, 127) : (0, 255);
        var result = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (int)Math.Clamp(Math.Round((double)values[i] / p.Scale, MidpointRounding.ToEven) + p.ZeroPoint, qmin, qmax);
        }

        return result;
    }

    /// <summary>
    /// Int32 bias with zero point 0 and scale input_scale × weight_scale[c] (what QLinearConv and QGemm expect);
    /// values outside the int32 range saturate.
    /// </summary>
    public static (int[] Values, float[] Scales) QuantizeBias(ReadOnlySpan<float> bias, float inputScale, float[] weightScales)
    {
        var scales = new float[weightScales.Length];
        for (var c = 0; c < scales.Length; c++)
        {
            scales[c] = inputScale * weightScales[c];
        }

        var values = new int[bias.Length];
        for (var i = 0; i < bias.Length; i++)
        {
            var scale = scales[scales.Length == 1 ? 0 : i];
            var q = Math.Round(bias[i] / (double)scale, MidpointRounding.ToEven);
            values[i] = (int)Math.Clamp(q, int.MinValue, int.MaxValue);
        }

        return (values, scales);
    }
}
