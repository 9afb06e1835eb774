namespace FunctionsOpt.Core.Passes.Quantization.Calibration;

/// <summary>How a tensor's quantization range is estimated from calibration statistics.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum over every calibration sample.</summary>
    MinMax,

    /// <summary>
    /// Clips the tails: the range that holds a given percentile of the values (of |x| for symmetric activations, of
    /// each tail for asymmetric ones), read from a histogram.
    /// </summary>
    Percentile,

    /// <summary>
    /// The clipping threshold whose int8 quantization of the |x| histogram has the least KL divergence from the
    /// unclipped histogram (TensorRT's entropy calibration).
    /// </summary>
    Entropy,
}

/// <summary>A real-valued range [<see cref="Min"/>, <see cref="Max"/>] that a tensor is quantized over.</summary>
/// <param name="Min">Lower bound.</param>
/// <param name="Max">Upper bound (not below <see cref="Min"/>).</param>
public readonly record struct TensorRange(float Min, float Max);
