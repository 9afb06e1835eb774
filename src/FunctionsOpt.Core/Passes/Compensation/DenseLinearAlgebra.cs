namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>
/// The few dense, double-precision operations error compensation needs, on square row-major matrices stored as
/// <c>double[n * n]</c>: Cholesky factorization, triangular solves, the inverse of a symmetric positive-definite
/// matrix, and the upper Cholesky factor of that inverse (the form SparseGPT/GPTQ use). Pure functions; inputs are
/// never modified.
/// </summary>
internal static class DenseLinearAlgebra
{
    /// <summary>
    /// Lower-triangular L with A = L·Lᵀ (Cholesky–Banachiewicz), or null when A is not (numerically) positive
    /// definite. Only the lower triangle of A is read.
    /// </summary>
    public static double[]? Cholesky(ReadOnlySpan<double> a, int n)
    {
        CheckSquare(a.Length, n);
        var l = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[(i * n) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * n) + k] * l[(j * n) + k];
                }

                if (i == j)
                {
                    if (!(sum > 0) || !double.IsFinite(sum))
                    {
                        return null;
                    }

                    l[(i * n) + i] = Math.Sqrt(sum);
                }
                else
                {
                    l[(i * n) + j] = sum / l[(j * n) + j];
                }
            }
        }

        return l;
    }

    /// <summary>Solves L·x = b for lower-triangular L (forward substitution).</summary>
    public static double[] SolveLower(ReadOnlySpan<double> l, int n, ReadOnlySpan<double> b)
    {
        CheckSquare(l.Length, n);
        if (b.Length != n)
        {
            throw new ArgumentException($"Right-hand side has {b.Length} entries, expected {n}.", nameof(b));
        }

        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[(i * n) + k] * x[k];
            }

            x[i] = sum / l[(i * n) + i];
        }

        return x;
    }

    /// <summary>Solves Lᵀ·x = b for lower-triangular L (back substitution on the transpose, without forming it).</summary>
    public static double[] SolveLowerTransposed(ReadOnlySpan<double> l, int n, ReadOnlySpan<double> b)
    {
        CheckSquare(l.Length, n);
        if (b.Length != n)
        {
            throw new ArgumentException($"Right-hand side has {b.Length} entries, expected {n}.", nameof(b));
        }

        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[(k * n) + i] * x[k];
            }

            x[i] = sum / l[(i * n) + i];
        }

        return x;
    }

    /// <summary>Solves A·x = b given the Cholesky factor L of A.</summary>
    public static double[] SolveCholesky(ReadOnlySpan<double> l, int n, ReadOnlySpan<double> b) =>
        SolveLowerTransposed(l, n, SolveLower(l, n, b));

    /// <summary>A⁻¹ for symmetric positive-definite A, from its Cholesky factor; null when A is not positive definite.</summary>
    public static double[]? InverseSpd(ReadOnlySpan<double> a, int n)
    {
        var l = Cholesky(a, n);
        if (l is null)
        {
            return null;
        }

        var inverse = new double[n * n];
        var e = new double[n];
        for (var c = 0; c < n; c++)
        {
            Array.Clear(e);
            e[c] = 1;
            var column = SolveCholesky(l, n, e);
            for (var r = 0; r < n; r++)
            {
                inverse[(r * n) + c] = column[r];
            }
        }

        // Symmetrize: both triangles come from separate solves and may differ in the last bits.
        for (var r = 0; r < n; r++)
        {
            for (var c = r + 1; c < n; c++)
            {
                var mean = 0.5 * (inverse[(r * n) + c] + inverse[(c * n) + r]);
                inverse[(r * n) + c] = mean;
                inverse[(c * n) + r] = mean;
            }
        }

        return inverse;
    }

    /// <summary>
    /// Upper-triangular U with H⁻¹ = Uᵀ·U, for symmetric positive-definite H; null when H (or its computed inverse)
    /// is not positive definite. Row j of U, scaled by 1/U[j,j], is the OBS update that removing weight j applies to
    /// weights j+1.. once weights 0..j-1 are fixed.
    /// </summary>
    public static double[]? UpperCholeskyOfInverse(ReadOnlySpan<double> h, int n)
    {
        var inverse = InverseSpd(h, n);
        if (inverse is null)
        {
            return null;
        }

        var lower = Cholesky(inverse, n);
        if (lower is null)
        {
            return null;
        }

        var upper = new double[n * n];
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c <= r; c++)
            {
                upper[(c * n) + r] = lower[(r * n) + c];
            }
        }

        return upper;
    }

    private static void CheckSquare(int length, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (length != n * n)
        {
            throw new ArgumentException($"A {n}x{n} matrix needs {n * n} entries, got {length}.");
        }
    }
}
