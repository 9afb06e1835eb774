namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>How a model's score output is to be read.</summary>
public enum ScoreKind
{
    /// <summary>Decide from the values; see <see cref="ScoreKindDetector"/> for the rule.</summary>
    Auto,

    /// <summary>
    /// Probabilities: every value in [0,1]; with more than one column every row sums to 1. A single column is the
    /// probability of the positive class.
    /// </summary>
    Probabilities,

    /// <summary>Unnormalised scores: softmax turns rows into probabilities (sigmoid for a single column).</summary>
    Logits,
}

/// <summary>Whether a <see cref="ScoreKind"/> came from the caller or from looking at the values.</summary>
public enum ScoreKindSource
{
    /// <summary>The caller named the kind (and, for probabilities, the values were checked against it).</summary>
    Declared,

    /// <summary>The caller asked for <see cref="ScoreKind.Auto"/> and the values decided.</summary>
    Detected,
}

/// <summary>The score kind a metric actually used, and why, so a report can be audited later.</summary>
public sealed record ScoreKindResolution
{
    /// <summary>Either <see cref="ScoreKind.Probabilities"/> or <see cref="ScoreKind.Logits"/>; never Auto.</summary>
    public required ScoreKind Kind { get; init; }

    /// <summary>Declared by the caller or detected from the values.</summary>
    public required ScoreKindSource Source { get; init; }

    /// <summary>Human-readable evidence, for example "rows sum to 1 within 1e-3".</summary>
    public required string Reason { get; init; }
}
