namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>
/// GPTQ weight rounding (Frantar et al., 2023) for one linear layer with symmetric integer weights: with U the upper
/// Cholesky factor of the damped inverse input Hessian H⁻¹ (H = XᵀX, see <see cref="ObsReconstruction"/>), the
/// columns are visited in order and, for all output rows at once, column j is rounded to the nearest point of the
/// row's grid (q·scale, |q| ≤ qmax, ties to even) and its rounding error, scaled by 1/U[j,j], is spread over the
/// columns not yet rounded along row j of U. The grid (scales, qmax) is the caller's: it is the quantizer's own, so
/// the integers returned are exactly what the quantized model stores and no later rounding can undo them.
/// </summary>
internal static class GptqRounding
{
    /// <summary>
    /// Rounds <paramref name="weights"/> (row-major [rows, k], modified in place as the errors propagate) and returns
    /// the integers, row-major; row r uses scale <paramref name="rowScales"/>[r].
    /// </summary>
    public static int[] Round(double[] weights, int rows, int k, ReadOnlySpan<float> rowScales, int qmax, ReadOnlySpan<double> upper)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length != rows * k || rowScales.Length != rows || upper.Length != k * k)
        {
            throw new ArgumentException("Weights, scales and the factor must describe a [rows, k] layer.");
        }

        var q = new int[rows * k];
        for (var j = 0; j < k; j++)
        {
            var pivot = upper[(j * k) + j];
            var tail = upper.Slice((j * k) + j + 1, k - j - 1);
            for (var r = 0; r < rows; r++)
            {
                var row = weights.AsSpan(r * k, k);
                var scale = (double)rowScales[r];
                var value = Nearest(row[j], scale, qmax);
                q[(r * k) + j] = value;
                var error = (row[j] - (value * scale)) / pivot;
                row[j] = value * scale;
                if (error != 0)
                {
                    DenseLinearAlgebra.Axpy(-error, tail, row[(j + 1)..]);
                }
            }
        }

        return q;
    }

    /// <summary>round(w / scale) to even, clamped to [−qmax, qmax].</summary>
    public static int Nearest(double w, double scale, int qmax) =>
        (int)Math.Clamp(Math.Round(w / scale, MidpointRounding.ToEven), -qmax, qmax);
}
