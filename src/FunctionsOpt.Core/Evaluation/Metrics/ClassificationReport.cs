namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// Classification quality of one model on one labelled dataset. Conventions follow scikit-learn (see
/// <see cref="ClassificationMetrics"/>); every value is finite, so the record serialises with default
/// System.Text.Json options.
/// </summary>
public sealed record ClassificationReport
{
    /// <summary>Number of labelled rows.</summary>
    public required int SampleCount { get; init; }

    /// <summary>
    /// Number of classes: the score column count, except a single score column means two classes (0 and 1).
    /// </summary>
    public required int ClassCount { get; init; }

    /// <summary>How the scores were read (probabilities or logits) and why.</summary>
    public required ScoreKindResolution ScoreKind { get; init; }

    /// <summary>Fraction of rows whose arg-max class equals the label.</summary>
    public required double Accuracy { get; init; }

    /// <summary>
    /// One entry per class 0..ClassCount-1, including classes that are neither labelled nor predicted; above
    /// <see cref="ClassificationMetrics.DenseClassLimit"/> classes, only those labelled or predicted.
    /// </summary>
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>Unweighted mean over the classes present in labels or predictions.</summary>
    public required AveragedMetrics MacroAverage { get; init; }

    /// <summary>Mean weighted by support over the classes present in labels or predictions.</summary>
    public required AveragedMetrics WeightedAverage { get; init; }

    /// <summary>
    /// ClassCount x ClassCount counts: row = true class, column = predicted class. Every class has a row and a
    /// column, even when it never occurs.
    /// </summary>
    public required long[][] ConfusionMatrix { get; init; }

    /// <summary>Why <see cref="ConfusionMatrix"/> is empty (too many classes to hold densely); null when it is filled.</summary>
    public string? ConfusionMatrixOmitted { get; init; }

    /// <summary>Area under the ROC curve (binary, or one-vs-rest macro for more than two classes).</summary>
    public required AucResult Auc { get; init; }

    /// <summary>Top-k accuracy for each requested k, in request order.</summary>
    public required IReadOnlyList<TopKAccuracy> TopK { get; init; }

    /// <summary>Mean negative natural log of the probability given to the true class, probabilities clipped at 1e-15.</summary>
    public required double LogLoss { get; init; }
}

/// <summary>Precision, recall and F1 of one class (one-vs-rest), with zero_division = 0.</summary>
public sealed record ClassMetrics
{
    /// <summary>Class id (column index in the scores).</summary>
    public required int ClassIndex { get; init; }

    /// <summary>Display name when the caller supplied class names.</summary>
    public string? Name { get; init; }

    /// <summary>Rows labelled with this class.</summary>
    public required long Support { get; init; }

    /// <summary>Rows predicted as this class.</summary>
    public required long PredictedCount { get; init; }

    /// <summary>Rows labelled and predicted as this class.</summary>
    public required long TruePositives { get; init; }

    /// <summary>TP / predicted; 0 when the class is never predicted.</summary>
    public required double Precision { get; init; }

    /// <summary>TP / support; 0 when the class never occurs in the labels.</summary>
    public required double Recall { get; init; }

    /// <summary>2TP / (2TP + FP + FN); 0 when that denominator is 0.</summary>
    public required double F1 { get; init; }

    /// <summary>False when the class is neither labelled nor predicted, so the averages leave it out.</summary>
    public required bool IncludedInAverages { get; init; }

    /// <summary>Says which value was set to 0 by the zero_division convention; null when none was.</summary>
    public string? Note { get; init; }
}

/// <summary>Precision, recall and F1 averaged over classes.</summary>
public sealed record AveragedMetrics
{
    /// <summary>Averaged precision.</summary>
    public required double Precision { get; init; }

    /// <summary>Averaged recall.</summary>
    public required double Recall { get; init; }

    /// <summary>Averaged F1 (the average of per-class F1, not F1 of the averages).</summary>
    public required double F1 { get; init; }

    /// <summary>How many classes took part.</summary>
    public required int ClassesAveraged { get; init; }
}

/// <summary>How an <see cref="AucResult"/> was formed.</summary>
public enum AucMethod
{
    /// <summary>Two classes: the positive-class score ranks the rows.</summary>
    Binary,

    /// <summary>More than two classes: one-vs-rest AUC per class, unweighted mean over the classes that qualify.</summary>
    OneVsRestMacro,
}

/// <summary>ROC AUC, or null with the reason it is undefined.</summary>
public sealed record AucResult
{
    /// <summary>Binary or one-vs-rest macro.</summary>
    public required AucMethod Method { get; init; }

    /// <summary>The AUC in [0,1]; null when no class has both positive and negative labels.</summary>
    public double? Value { get; init; }

    /// <summary>Why <see cref="Value"/> is null; null when it is defined.</summary>
    public string? UndefinedReason { get; init; }

    /// <summary>One-vs-rest AUC per class (empty for binary).</summary>
    public required IReadOnlyList<ClassAuc> PerClass { get; init; }

    /// <summary>Classes left out of the macro mean because the labels hold no positives (or no negatives) for them.</summary>
    public required IReadOnlyList<int> SkippedClasses { get; init; }
}

/// <summary>One class's one-vs-rest AUC.</summary>
public sealed record ClassAuc
{
    /// <summary>Class id.</summary>
    public required int ClassIndex { get; init; }

    /// <summary>Display name when the caller supplied class names.</summary>
    public string? Name { get; init; }

    /// <summary>AUC of this class against the rest; null when skipped.</summary>
    public double? Value { get; init; }

    /// <summary>Why <see cref="Value"/> is null; null when it is defined.</summary>
    public string? UndefinedReason { get; init; }
}

/// <summary>Fraction of rows whose true class is among the k highest scores.</summary>
public sealed record TopKAccuracy
{
    /// <summary>k.</summary>
    public required int K { get; init; }

    /// <summary>Rows where the true class ranked within the top k.</summary>
    public required long Hits { get; init; }

    /// <summary>Hits / rows.</summary>
    public required double Accuracy { get; init; }
}
