namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>Regression error of predictions against targets. Every value is finite, so it serialises as is.</summary>
public sealed record RegressionReport
{
    /// <summary>Number of (target, prediction) pairs.</summary>
    public required int Count { get; init; }

    /// <summary>Mean of |target - prediction|.</summary>
    public required double MeanAbsoluteError { get; init; }

    /// <summary>Mean of (target - prediction)^2.</summary>
    public required double MeanSquaredError { get; init; }

    /// <summary>Square root of <see cref="MeanSquaredError"/>, in the targets' units.</summary>
    public required double RootMeanSquaredError { get; init; }

    /// <summary>
    /// Coefficient of determination 1 - SS_res / SS_tot; can be negative. Null when the targets have zero variance,
    /// where scikit-learn would report an arbitrary 1.0 or 0.0.
    /// </summary>
    public double? RSquared { get; init; }

    /// <summary>Why <see cref="RSquared"/> is null; null when it is defined.</summary>
    public string? RSquaredUndefinedReason { get; init; }

    /// <summary>Largest |target - prediction|.</summary>
    public required double MaxError { get; init; }
}
