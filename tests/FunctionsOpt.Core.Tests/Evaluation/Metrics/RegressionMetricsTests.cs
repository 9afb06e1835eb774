using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Tests.Evaluation.Metrics;

public sealed class RegressionMetricsTests
{
    [Fact]
    public void Compute_KnownPairs_MatchesNumpyAndHandArithmetic()
    {
        // errors t - p = [0.5, -0.5, 0, -1, 1.25]
        // MAE = 3.25 / 5 = 0.65; MSE = (0.25 + 0.25 + 0 + 1 + 1.5625) / 5 = 0.6125; max = 1.25
        // mean(t) = 3.15; SS_tot = 0.0225 + 13.3225 + 1.3225 + 14.8225 + 1.21 = 30.7; R² = 1 - 3.0625 / 30.7
        // numpy: e = t - p; np.sqrt(np.mean(e**2)) -> 0.7826237921249264;
        //        1 - np.sum(e**2) / np.sum((t - t.mean())**2) -> 0.9002442996742671
        double[] targets = [3.0, -0.5, 2.0, 7.0, 4.25];
        double[] predictions = [2.5, 0.0, 2.0, 8.0, 3.0];

        var report = RegressionMetrics.Compute(targets, predictions);

        Assert.Equal(5, report.Count);
        Assert.Equal(0.65, report.MeanAbsoluteError, 1e-12);
        Assert.Equal(0.6125, report.MeanSquaredError, 1e-12);
        Assert.Equal(0.7826237921249264, report.RootMeanSquaredError, 1e-12);
        Assert.NotNull(report.RSquared);
        Assert.Equal(0.9002442996742671, report.RSquared.Value, 1e-12);
        Assert.Null(report.RSquaredUndefinedReason);
        Assert.Equal(1.25, report.MaxError, 1e-12);
    }

    [Fact]
    public void Compute_FloatOverload_AgreesWithDoubleOverload()
    {
        // Every value is exact in float32, so both overloads see identical doubles.
        float[] targets = [3.0f, -0.5f, 2.0f, 7.0f, 4.25f];
        float[] predictions = [2.5f, 0.0f, 2.0f, 8.0f, 3.0f];

        var report = RegressionMetrics.Compute(targets, predictions);

        Assert.Equal(0.6125, report.MeanSquaredError, 1e-12);
        Assert.Equal(0.9002442996742671, report.RSquared!.Value, 1e-12);
    }

    [Fact]
    public void Compute_WorseThanMean_GivesNegativeRSquared()
    {
        // mean(t) = 2, SS_tot = 1 + 0 + 1 = 2; SS_res = 4 + 0 + 4 = 8; R² = 1 - 8 / 2 = -3.
        var report = RegressionMetrics.Compute([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]);

        Assert.Equal(-3.0, report.RSquared!.Value, 1e-12);
    }

    [Fact]
    public void Compute_ConstantTargets_RSquaredNullWithReason()
    {
        var report = RegressionMetrics.Compute([2.0, 2.0, 2.0], [2.0, 2.5, 1.0]);

        Assert.Null(report.RSquared);
        Assert.Contains("zero variance", report.RSquaredUndefinedReason, StringComparison.Ordinal);
        // |e| = [0, 0.5, 1]: MAE = 0.5, MSE = 1.25 / 3.
        Assert.Equal(0.5, report.MeanAbsoluteError, 1e-12);
        Assert.Equal(1.25 / 3, report.MeanSquaredError, 1e-12);
    }

    [Fact]
    public void Compute_LengthMismatch_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => RegressionMetrics.Compute([1.0, 2.0], [1.0]));

        Assert.Equal("Length mismatch: 2 targets but 1 predictions.", ex.Message);
    }

    [Fact]
    public void Compute_Empty_Throws()
    {
        Assert.Throws<InvalidEvaluationRequestException>(() => RegressionMetrics.Compute(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty));
    }

    [Fact]
    public void Compute_NaNPrediction_ThrowsWithPosition()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => RegressionMetrics.Compute([1.0, 2.0], [1.0, double.NaN]));

        Assert.Equal("Predictions contain a non-finite value (NaN) at index 1; metrics are undefined.", ex.Message);
    }
}
