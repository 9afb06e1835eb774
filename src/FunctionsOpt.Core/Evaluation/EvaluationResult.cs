using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>Quality metrics of one model on one dataset, with the provider that produced them.</summary>
public sealed record EvaluationResult
{
    /// <summary>Requested and used provider.</summary>
    public required ProviderRecord Provider { get; init; }

    /// <summary>The task evaluated.</summary>
    public required EvaluationTask Task { get; init; }

    /// <summary>The output scored.</summary>
    public required string ScoreOutput { get; init; }

    /// <summary>Rows evaluated.</summary>
    public required int SampleCount { get; init; }

    /// <summary>Rows per run.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Classification metrics (classification task).</summary>
    public ClassificationReport? Classification { get; init; }

    /// <summary>Regression metrics (regression task).</summary>
    public RegressionReport? Regression { get; init; }

    /// <summary>Fidelity to reference outputs, when reference outputs were given.</summary>
    public FidelityReport? Fidelity { get; init; }

    /// <summary>Seconds spent inside ORT <c>Run</c> calls.</summary>
    public required double InferenceSeconds { get; init; }

    /// <summary>Wall seconds for the whole pass including marshalling and output collection.</summary>
    public required double TotalSeconds { get; init; }

    /// <summary>Rows per wall second of the whole pass.</summary>
    public double SamplesPerSecond => TotalSeconds > 0 ? SampleCount / TotalSeconds : 0;
}
