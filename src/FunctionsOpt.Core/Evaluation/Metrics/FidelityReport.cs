namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// How closely a candidate model's output matches a reference model's output on the same inputs (for example an
/// optimised model against the original). Needs no labels. Every value is finite, so it serialises as is.
/// </summary>
public sealed record FidelityReport
{
    /// <summary>Rows compared.</summary>
    public required int RowCount { get; init; }

    /// <summary>Values per row.</summary>
    public required int ColumnCount { get; init; }

    /// <summary>How both outputs were read (resolved from the reference), and why.</summary>
    public required ScoreKindResolution ScoreKind { get; init; }

    /// <summary>
    /// Size of the class axis (the last axis of the output) that top-1 is taken along; equals
    /// <see cref="ColumnCount"/> for a plain [N, classes] output, smaller for sequence and map outputs.
    /// </summary>
    public int ClassCount { get; init; }

    /// <summary>Positions compared for top-1: rows × (columns ÷ classes), one per token or pixel for sequence and map outputs.</summary>
    public long PositionCount { get; init; }

    /// <summary>Positions whose top-1 class is the same in both outputs (rows, for a plain [N, classes] output).</summary>
    public required long AgreeingRows { get; init; }

    /// <summary><see cref="AgreeingRows"/> / <see cref="PositionCount"/>.</summary>
    public required double Top1Agreement { get; init; }

    /// <summary>Mean over rows of the cosine similarity of the raw rows.</summary>
    public required double MeanCosineSimilarity { get; init; }

    /// <summary>Smallest per-row cosine similarity: the worst row.</summary>
    public required double MinCosineSimilarity { get; init; }

    /// <summary>Largest |reference - candidate| over all raw values.</summary>
    public required double MaxAbsoluteDifference { get; init; }

    /// <summary>Mean |reference - candidate| over all raw values.</summary>
    public required double MeanAbsoluteDifference { get; init; }

    /// <summary>Root mean squared difference over all raw values.</summary>
    public required double RootMeanSquaredError { get; init; }

    /// <summary>
    /// <see cref="RootMeanSquaredError"/> divided by the RMS of the reference's values: scale-free, 0 when equal; when
    /// the reference is all zeros it is 0 if the candidate is too, else 1.
    /// </summary>
    public double RelativeRms { get; init; }

    /// <summary>Mean over rows of KL(reference || candidate) in nats, on probabilities (see <see cref="KlDivergenceBasis"/>).</summary>
    public required double KlDivergence { get; init; }

    /// <summary>How the outputs were turned into the distributions that <see cref="KlDivergence"/> compares.</summary>
    public required string KlDivergenceBasis { get; init; }
}
