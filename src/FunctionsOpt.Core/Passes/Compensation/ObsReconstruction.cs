namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>
/// Layer-wise least-squares reconstruction with a fixed sparsity mask, in the spirit of SparseGPT (Frantar and
/// Alistarh, 2023) and OBS: for one linear layer with inputs X (rows = samples, columns = the reduction dimension K)
/// it builds H = XᵀX + λ·mean(diag(XᵀX))·I and, for every output row w of the weight matrix, walks the columns in
/// order; when column j is pruned it sets w[j] = 0 and spreads the error over the columns not yet visited with the
/// j-th row of the upper Cholesky factor U of H⁻¹ (w[j+1..] -= w[j] / U[j,j] · U[j, j+1..]). Kept weights absorb the
/// error; pruned weights stay exactly zero.
/// </summary>
internal static class ObsReconstruction
{
    /// <summary>Running XᵀX over batches of rows (double precision) plus the row count.</summary>
    internal sealed class HessianAccumulator
    {
        public HessianAccumulator(int size)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
            Size = size;
            Matrix = new double[size * size];
        }

        public int Size { get; }

        /// <summary>Σ x·xᵀ (upper and lower triangles both filled by <see cref="Finish"/>).</summary>
        public double[] Matrix { get; }

        public long Rows { get; private set; }

        /// <summary>Adds rows of <paramref name="x"/> (row-major, <see cref="Size"/> values each).</summary>
        public void Add(ReadOnlySpan<float> x)
        {
            var k = Size;
            if (x.Length % k != 0)
            {
                throw new ArgumentException($"Activation length {x.Length} is not a multiple of {k}.", nameof(x));
            }

            var row = new double[k];
            for (var start = 0; start < x.Length; start += k)
            {
                for (var i = 0; i < k; i++)
                {
                    row[i] = x[start + i];
                }

                AddRow(row);
            }
        }

        /// <summary>Adds one row of <see cref="Size"/> values.</summary>
        public void AddRow(ReadOnlySpan<double> row)
        {
            var k = Size;
            if (row.Length != k)
            {
                throw new ArgumentException($"Row length {row.Length} is not {k}.", nameof(row));
            }

            for (var i = 0; i < k; i++)
            {
                var xi = row[i];
                if (xi != 0)
                {
                    DenseLinearAlgebra.Axpy(xi, row[i..], Matrix.AsSpan((i * k) + i, k - i));
                }
            }

            Rows++;
        }

        /// <summary>Mirrors the accumulated upper triangle into the lower one.</summary>
        public double[] Finish()
        {
            var k = Size;
            var h = (double[])Matrix.Clone();
            for (var i = 0; i < k; i++)
            {
                for (var j = i + 1; j < k; j++)
                {
                    h[(j * k) + i] = h[(i * k) + j];
                }
            }

            return h;
        }
    }

    /// <summary>
    /// Adds the damping λ·mean(diag)·I, and sets the diagonal of dead inputs (never non-zero on the calibration data)
    /// to 1 so that H stays invertible; returns the damped copy and the number of dead inputs.
    /// </summary>
    public static (double[] Damped, int DeadInputs) Damp(ReadOnlySpan<double> h, int k, double lambda)
    {
        var damped = h.ToArray();
        var dead = 0;
        var diagonalSum = 0.0;
        for (var i = 0; i < k; i++)
        {
            diagonalSum += h[(i * k) + i];
        }

        var mean = diagonalSum / k;
        var shift = lambda * (mean > 0 ? mean : 1);
        for (var i = 0; i < k; i++)
        {
            if (h[(i * k) + i] == 0)
            {
                damped[(i * k) + i] = 1;
                dead++;
            }

            damped[(i * k) + i] += shift;
        }

        return (damped, dead);
    }

    /// <summary>
    /// The upper Cholesky factor of the inverse damped Hessian; on failure the damping grows tenfold up to four times.
    /// Returns null when H cannot be made positive definite that way.
    /// </summary>
    public static (double[]? Upper, double LambdaUsed, int DeadInputs) InverseFactor(ReadOnlySpan<double> h, int k, double lambda)
    {
        var current = lambda;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (damped, dead) = Damp(h, k, current);
            var upper = DenseLinearAlgebra.UpperCholeskyOfInverse(damped, k);
            if (upper is not null)
            {
                return (upper, current, dead);
            }

            current *= 10;
        }

        return (null, current, 0);
    }

    /// <summary>
    /// Updates one weight row in place: starts from the original (unpruned) <paramref name="row"/>, zeroes the
    /// positions where <paramref name="pruned"/> is true, and lets later kept positions absorb each error.
    /// </summary>
    public static void UpdateRow(Span<double> row, ReadOnlySpan<bool> pruned, ReadOnlySpan<double> upper, int k)
    {
        for (var j = 0; j < k; j++)
        {
            if (!pruned[j])
            {
                continue;
            }

            var err = row[j] / upper[(j * k) + j];
            if (err != 0)
            {
                var offset = j * k;
                for (var t = j + 1; t < k; t++)
                {
                    row[t] -= err * upper[offset + t];
                }
            }

            row[j] = 0;
        }
    }

    /// <summary>
    /// The layer-output error Σ_rows ‖(w − ŵ)·x‖² of one row, computed as (w − ŵ)ᵀ·H·(w − ŵ) with the undamped H;
    /// used for reporting.
    /// </summary>
    public static double RowError(ReadOnlySpan<double> original, ReadOnlySpan<double> updated, ReadOnlySpan<double> h, int k)
    {
        var delta = new double[k];
        for (var i = 0; i < k; i++)
        {
            delta[i] = original[i] - updated[i];
        }

        var total = 0.0;
        for (var i = 0; i < k; i++)
        {
            if (delta[i] == 0)
            {
                continue;
            }

            total += delta[i] * DenseLinearAlgebra.Dot(h.Slice(i * k, k), delta);
        }

        return total;
    }
}
