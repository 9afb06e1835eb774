using System.ComponentModel.DataAnnotations;
using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>What a model's outputs are scored against.</summary>
public enum EvaluationTask
{
    /// <summary>Labels are class ids; the score output holds per-class scores (or one positive-class score).</summary>
    Classification,
    /// <summary>Labels are numeric targets; the score output holds one prediction per row.</summary>
    Regression,
    /// <summary>No labels: only fidelity to reference outputs is measured.</summary>
    FidelityOnly,
}

/// <summary>How to evaluate a model on a dataset.</summary>
public sealed record EvaluationRequest
{
    /// <summary>The task. Default classification.</summary>
    public EvaluationTask Task { get; init; } = EvaluationTask.Classification;

    /// <summary>
    /// The output that holds scores or predictions. When null the model must have exactly one float output;
    /// with several, the request must name one (FunctionsOpt does not guess).
    /// </summary>
    public string? ScoreOutput { get; init; }

    /// <summary>Whether scores are probabilities or logits; Auto detects and records how it decided.</summary>
    public ScoreKind ScoreKind { get; init; } = ScoreKind.Auto;

    /// <summary>Rows per run for models with a dynamic batch axis. Default 32.</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; init; } = 32;

    /// <summary>Values of k for top-k accuracy (each at most the class count).</summary>
    public IReadOnlyList<int> TopK { get; init; } = [];
}
