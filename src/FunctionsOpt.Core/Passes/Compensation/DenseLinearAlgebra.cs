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
    /// Upper-triangular U with H⁻¹ = Uᵀ·U, for symmetric positive-definite H; null when H is not (numerically)
    /// positive definite. Row j of U, scaled by 1/U[j,j], is the OBS update that removing weight j applies to
    /// weights j+1.. once weights 0..j-1 are fixed.
    /// </summary>
    /// <remarks>
    /// Computed without forming H⁻¹ (the obvious route, an inverse then a second Cholesky, costs about 3n³ and was
    /// minutes per ResNet18 layer with n = 4608): with P the order-reversing permutation, the Cholesky factor M of
    /// P·H·P gives H = R·Rᵀ with R = P·M·P upper, so H⁻¹ = (R⁻¹)ᵀ·R⁻¹ and U = R⁻¹ = P·M⁻¹·P; a Cholesky plus one
    /// triangular inverse, about 2n³/3, with contiguous inner loops.
    /// </remarks>
    public static double[]? UpperCholeskyOfInverse(ReadOnlySpan<double> h, int n)
    {
        CheckSquare(h.Length, n);
        var m = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                m[(i * n) + j] = h[((n - 1 - i) * n) + (n - 1 - j)];
            }
        }

        if (!CholeskyInPlace(m, n))
        {
            return null;
        }

        // Row j of t holds column j of M⁻¹ (lower), so every inner product below runs over contiguous memory.
        var t = new double[n * n];
        for (var j = 0; j < n; j++)
        {
            var tj = t.AsSpan(j * n, n);
            tj[j] = 1 / m[(j * n) + j];
            for (var i = j + 1; i < n; i++)
            {
                var sum = Dot(m.AsSpan((i * n) + j, i - j), tj.Slice(j, i - j));
                tj[i] = -sum / m[(i * n) + i];
            }
        }

        // U[a,b] = M⁻¹[n-1-a, n-1-b] = t[n-1-b, n-1-a]; m is free to reuse.
        Array.Clear(m);
        for (var a = 0; a < n; a++)
        {
            for (var b = a; b < n; b++)
            {
                m[(a * n) + b] = t[((n - 1 - b) * n) + (n - 1 - a)];
            }
        }

        return m;
    }

    /// <summary>Σ a[i]·b[i], vectorized.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && a.Length >= System.Numerics.Vector<double>.Count)
        {
            var acc = System.Numerics.Vector<double>.Zero;
            var width = System.Numerics.Vector<double>.Count;
            for (; i <= a.Length - width; i += width)
            {
                acc += new System.Numerics.Vector<double>(a.Slice(i, width)) * new System.Numerics.Vector<double>(b.Slice(i, width));
            }

            sum = System.Numerics.Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>y[i] += alpha·x[i], vectorized.</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && x.Length >= System.Numerics.Vector<double>.Count)
        {
            var width = System.Numerics.Vector<double>.Count;
            var a = new System.Numerics.Vector<double>(alpha);
            for (; i <= x.Length - width; i += width)
            {
                var target = y.Slice(i, width);
                (new System.Numerics.Vector<double>(target) + (a * new System.Numerics.Vector<double>(x.Slice(i, width)))).CopyTo(target);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] += alpha * x[i];
        }
    }

    /// <summary>Cholesky–Banachiewicz in place on the lower triangle of <paramref name="a"/>; false when not positive definite.</summary>
    private static bool CholeskyInPlace(double[] a, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var rowI = a.AsSpan(i * n, n);
            for (var j = 0; j <= i; j++)
            {
                var sum = rowI[j] - Dot(rowI[..j], a.AsSpan(j * n, j));
                if (i == j)
                {
                    if (!(sum > 0) || !double.IsFinite(sum))
                    {
                        return false;
                    }

                    rowI[i] = Math.Sqrt(sum);
                }
                else
                {
                    rowI[j] = sum / a[(j * n) + j];
                }
            }
        }

        return true;
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
