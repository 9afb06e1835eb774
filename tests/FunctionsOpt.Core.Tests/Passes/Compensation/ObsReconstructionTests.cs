using FunctionsOpt.Core.Passes.Compensation;

namespace FunctionsOpt.Core.Tests.Passes.Compensation;

public sealed class ObsReconstructionTests
{
    // A small SPD "Hessian": H = [[4,2,1],[2,5,2],[1,2,6]].
    private static readonly double[] H = [4, 2, 1, 2, 5, 2, 1, 2, 6];

    [Fact]
    public void UpdateRow_FirstWeightPruned_EqualsExactConstrainedLeastSquares()
    {
        double[] w = [0.8, -0.3, 0.5];
        var upper = DenseLinearAlgebra.UpperCholeskyOfInverse(H, 3)!;
        var row = (double[])w.Clone();

        ObsReconstruction.UpdateRow(row, [true, false, false], upper, 3);

        // min (w−ŵ)ᵀH(w−ŵ) with ŵ0 = 0: ŵ_U = w_U + H_UU⁻¹·H_U0·w0, with H_UU = [[5,2],[2,6]] (det 26) and H_U0 = [2,1].
        // H_UU⁻¹·[2,1] = [6·2 − 2·1, −2·2 + 5·1] / 26 = [10, 1] / 26.
        Assert.Equal(0, row[0]);
        Assert.Equal(-0.3 + (10.0 / 26 * 0.8), row[1], 12);
        Assert.Equal(0.5 + (1.0 / 26 * 0.8), row[2], 12);
    }

    [Fact]
    public void UpdateRow_TwoWeightsPruned_KeptWeightAbsorbsBoth()
    {
        double[] w = [0.8, -0.3, 0.5];
        var upper = DenseLinearAlgebra.UpperCholeskyOfInverse(H, 3)!;
        var row = (double[])w.Clone();

        ObsReconstruction.UpdateRow(row, [true, true, false], upper, 3);

        // Only ŵ2 is free: minimizing over d2 gives d2 = −(H20·w0 + H21·w1)/H22 = −(0.8 − 0.6)/6, ŵ2 = w2 − d2.
        Assert.Equal(0, row[0]);
        Assert.Equal(0, row[1]);
        Assert.Equal(0.5 + (0.2 / 6), row[2], 12);
    }

    [Fact]
    public void RowError_CompensatedRow_SmallerThanPlainPruning()
    {
        double[] w = [0.8, -0.3, 0.5];
        var upper = DenseLinearAlgebra.UpperCholeskyOfInverse(H, 3)!;
        var row = (double[])w.Clone();
        ObsReconstruction.UpdateRow(row, [true, false, false], upper, 3);

        var plain = ObsReconstruction.RowError(w, [0, -0.3, 0.5], H, 3);
        var compensated = ObsReconstruction.RowError(w, row, H, 3);

        Assert.Equal(4 * 0.8 * 0.8, plain, 12); // dᵀHd with d = [0.8, 0, 0].
        Assert.True(compensated < plain);
    }

    [Fact]
    public void HessianAccumulator_TwoRows_EqualsXTransposeX()
    {
        var accumulator = new ObsReconstruction.HessianAccumulator(2);

        accumulator.Add([1, 2, 3, -1]);

        Assert.Equal(2, accumulator.Rows);
        Assert.Equal([1.0 + 9, 2 - 3, 2 - 3, 4 + 1], accumulator.Finish());
    }

    [Fact]
    public void Damp_DeadInput_GetsUnitDiagonalPlusShift()
    {
        var (damped, dead) = ObsReconstruction.Damp([4, 0, 0, 0], 2, 0.5);

        // mean(diag) = 2, shift = 1; the dead input's diagonal becomes 1 + 1.
        Assert.Equal(1, dead);
        Assert.Equal([5.0, 0, 0, 2], damped);
    }
}
