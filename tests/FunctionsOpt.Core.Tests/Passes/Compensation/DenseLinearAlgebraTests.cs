using FunctionsOpt.Core.Passes.Compensation;

namespace FunctionsOpt.Core.Tests.Passes.Compensation;

public sealed class DenseLinearAlgebraTests
{
    // A = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]], worked by hand:
    // a11 = 4, a21 = 12, a22 = 36+1 = 37, a31 = -16, a32 = -48+5 = -43, a33 = 64+25+9 = 98.
    private static readonly double[] A = [4, 12, -16, 12, 37, -43, -16, -43, 98];
    private static readonly double[] L = [2, 0, 0, 6, 1, 0, -8, 5, 3];

    [Fact]
    public void Cholesky_HandComputed3x3_ReturnsLowerFactor()
    {
        var l = DenseLinearAlgebra.Cholesky(A, 3);

        Assert.NotNull(l);
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(L[i], l[i], 12);
        }
    }

    [Fact]
    public void SolveLower_HandComputed3x3_ForwardSubstitution()
    {
        // L·[1,1,1] = [2, 7, 0].
        var x = DenseLinearAlgebra.SolveLower(L, 3, [2, 7, 0]);

        Assert.Equal([1.0, 1.0, 1.0], x.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void SolveLowerTransposed_HandComputed3x3_BackSubstitution()
    {
        // Lᵀ = [[2,6,-8],[0,1,5],[0,0,3]]; Lᵀ·[1,2,3] = [2+12-24, 2+15, 9] = [-10, 17, 9].
        var x = DenseLinearAlgebra.SolveLowerTransposed(L, 3, [-10, 17, 9]);

        Assert.Equal([1.0, 2.0, 3.0], x.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void SolveCholesky_HandComputed3x3_RecoversSolution()
    {
        // A·[1,2,3] = [4+24-48, 12+74-129, -16-86+294] = [-20, -43, 192].
        var x = DenseLinearAlgebra.SolveCholesky(L, 3, [-20, -43, 192]);

        Assert.Equal([1.0, 2.0, 3.0], x.Select(v => Math.Round(v, 10)));
    }

    [Fact]
    public void InverseSpd_HandComputed3x3_TimesMatrixIsIdentity()
    {
        var inverse = DenseLinearAlgebra.InverseSpd(A, 3);

        Assert.NotNull(inverse);
        // By hand (adjugate / det, det = (2·1·3)² = 36): inverse[0,0] = (37·98 − 43²)/36 = 1777/36.
        Assert.Equal(1777.0 / 36, inverse[0], 9);
        for (var r = 0; r < 3; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                var sum = 0.0;
                for (var k = 0; k < 3; k++)
                {
                    sum += A[(r * 3) + k] * inverse[(k * 3) + c];
                }

                Assert.Equal(r == c ? 1 : 0, sum, 9);
            }
        }
    }

    [Fact]
    public void UpperCholeskyOfInverse_3x3_IsUpperAndReproducesInverse()
    {
        var u = DenseLinearAlgebra.UpperCholeskyOfInverse(A, 3);
        var inverse = DenseLinearAlgebra.InverseSpd(A, 3);

        Assert.NotNull(u);
        Assert.NotNull(inverse);
        Assert.Equal(0, u[3]);
        Assert.Equal(0, u[6]);
        Assert.Equal(0, u[7]);
        for (var r = 0; r < 3; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                var sum = 0.0;
                for (var k = 0; k < 3; k++)
                {
                    sum += u[(k * 3) + r] * u[(k * 3) + c];
                }

                Assert.Equal(inverse[(r * 3) + c], sum, 9);
            }
        }

        // Row j of U describes the inverse Hessian of weights j.. once 0..j-1 are fixed, so by hand:
        // U[0,0]² = (A⁻¹)[0,0] = 1777/36 and U[2,2]² = 1 / A[2,2] = 1/98.
        Assert.Equal(Math.Sqrt(1777.0 / 36), u[0], 9);
        Assert.Equal(1 / Math.Sqrt(98), u[8], 12);
    }

    [Fact]
    public void UpperCholeskyOfInverse_Random37x37_UTransposeUTimesHIsIdentity()
    {
        // H = BᵀB + I from a seeded B; the factor is checked against H itself, not against another factorization.
        const int n = 37;
        var random = new Random(7);
        var b = Enumerable.Range(0, 50 * n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var h = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = i == j ? 1.0 : 0.0;
                for (var r = 0; r < 50; r++)
                {
                    sum += b[(r * n) + i] * b[(r * n) + j];
                }

                h[(i * n) + j] = sum;
            }
        }

        var u = DenseLinearAlgebra.UpperCholeskyOfInverse(h, n);

        Assert.NotNull(u);
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < r; c++)
            {
                Assert.Equal(0, u[(r * n) + c]);
            }
        }

        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                // (UᵀU·H)[r,c] = Σ_k Σ_m U[k,r]·U[k,m]·H[m,c]
                var sum = 0.0;
                for (var k = 0; k < n; k++)
                {
                    var inner = 0.0;
                    for (var m = 0; m < n; m++)
                    {
                        inner += u[(k * n) + m] * h[(m * n) + c];
                    }

                    sum += u[(k * n) + r] * inner;
                }

                Assert.Equal(r == c ? 1 : 0, sum, 9);
            }
        }
    }

    [Fact]
    public void UpperCholeskyOfInverse_Indefinite_ReturnsNull()
    {
        Assert.Null(DenseLinearAlgebra.UpperCholeskyOfInverse([1, 2, 2, 1], 2));
    }

    [Fact]
    public void Cholesky_IndefiniteMatrix_ReturnsNull()
    {
        Assert.Null(DenseLinearAlgebra.Cholesky([1, 2, 2, 1], 2));
        Assert.Null(DenseLinearAlgebra.InverseSpd([0, 0, 0, 0], 2));
    }
}
