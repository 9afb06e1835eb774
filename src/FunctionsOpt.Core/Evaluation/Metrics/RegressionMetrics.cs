using System.Globalization;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// Regression metrics (MAE, MSE, RMSE, R², max error) with the same definitions as scikit-learn, except that R²
/// of constant targets is null rather than a forced 1.0 or 0.0. All arithmetic in double. Pure and thread-safe.
/// </summary>
public static class RegressionMetrics
{
    /// <summary>Computes the metrics for paired single-precision values (multi-output data flattened row-major).</summary>
    /// <exception cref="InvalidEvaluationRequestException">Empty input, a length mismatch, or a non-finite value.</exception>
    public static RegressionReport Compute(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        var t = new double[targets.Length];
        for (var i = 0; i < t.Length; i++)
        {
            t[i] = targets[i];
        }

        var p = new double[predictions.Length];
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = predictions[i];
        }

        return Compute(t, p);
    }

    /// <summary>Computes the metrics for paired double-precision values (multi-output data flattened row-major).</summary>
    /// <exception cref="InvalidEvaluationRequestException">Empty input, a length mismatch, or a non-finite value.</exception>
    public static RegressionReport Compute(ReadOnlySpan<double> targets, ReadOnlySpan<double> predictions)
    {
        if (targets.Length != predictions.Length)
        {
            throw new InvalidEvaluationRequestException(string.Create(
                CultureInfo.InvariantCulture,
                $"Length mismatch: {targets.Length} targets but {predictions.Length} predictions."));
        }

        if (targets.Length == 0)
        {
            throw new InvalidEvaluationRequestException("No targets to evaluate; regression metrics need at least one.");
        }

        ScoreMath.RequireFinite(targets, "Targets");
        ScoreMath.RequireFinite(predictions, "Predictions");

        var n = targets.Length;
        double mean = 0;
        foreach (var v in targets)
        {
            mean += v;
        }

        mean /= n;

        double absSum = 0, squaredSum = 0, totalSum = 0, maxError = 0;
        for (var i = 0; i < n; i++)
        {
            var error = targets[i] - predictions[i];
            absSum += Math.Abs(error);
            squaredSum += error * error;
            maxError = Math.Max(maxError, Math.Abs(error));
            var deviation = targets[i] - mean;
            totalSum += deviation * deviation;
        }

        var mse = squaredSum / n;
        var constant = totalSum == 0;
        return new RegressionReport
        {
            Count = n,
            MeanAbsoluteError = absSum / n,
            MeanSquaredError = mse,
            RootMeanSquaredError = Math.Sqrt(mse),
            RSquared = constant ? null : 1.0 - (squaredSum / totalSum),
            RSquaredUndefinedReason = constant
                ? "targets have zero variance, so R² (1 - SS_res / SS_tot) divides by zero"
                : null,
            MaxError = maxError,
        };
    }
}
