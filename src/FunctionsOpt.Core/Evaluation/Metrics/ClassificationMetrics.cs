using System.Globalization;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// Classification metrics from labels and a row-major N x C score matrix, following scikit-learn's conventions
/// so numbers can be checked against it:
/// <list type="bullet">
/// <item>Prediction is the arg-max column; a tie goes to the lowest class index (numpy.argmax). A single score
/// column is the positive-class score: class 1 when it is above 0.5 (probabilities) or 0 (logits), else class 0.</item>
/// <item>zero_division = 0: precision of a never-predicted class, recall of a never-labelled class, and F1 with
/// an empty denominator are 0.</item>
/// <item>Macro and weighted averages cover the classes present in labels or predictions (scikit-learn's default
/// labels); classes that are neither still appear in <see cref="ClassificationReport.PerClass"/> and the confusion
/// matrix.</item>
/// <item>AUC: two columns rank rows by column 1 (by z1 - z0 for logits, the same order as softmax without
/// saturation); one column ranks by that column; more than two columns give one-vs-rest AUC on probabilities
/// (softmax for logits), macro-averaged over classes with both positive and negative labels.</item>
/// <item>Top-k: the true class counts as within the top k when fewer than k classes outrank it, where a class
/// outranks it with a higher score, or an equal score and a lower index (the same tie rule as arg-max).</item>
/// <item>Log loss: natural log, mean over rows, probabilities (softmax or sigmoid applied to logits) clipped to
/// [1e-15, 1 - 1e-15] and not renormalised.</item>
/// </list>
/// Pure and thread-safe.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>
    /// Most classes for which the dense confusion matrix, every class's row in the per-class list and one-vs-rest
    /// AUC are computed; above it the report keeps per-class counts of the classes that occur, and nothing of size
    /// classes x classes or classes x rows is allocated.
    /// </summary>
    public const int DenseClassLimit = 1024;

    /// <summary>Probabilities are clipped here before the log so one confident mistake cannot make log loss infinite.</summary>
    public const double LogLossEpsilon = 1e-15;

    /// <summary>Computes every classification metric in one pass over the data.</summary>
    /// <param name="labels">True class id per row, each in 0..ClassCount-1.</param>
    /// <param name="scores">Row-major scores, labels.Count x <paramref name="classCount"/>.</param>
    /// <param name="classCount">Score columns; 1 means a single positive-class score for a binary task.</param>
    /// <param name="scoreKind">What the scores are; Auto detects (see <see cref="ScoreKindDetector"/>).</param>
    /// <param name="topK">Values of k for top-k accuracy, each in 1..ClassCount; null for none.</param>
    /// <param name="classNames">Optional names, one per class (two when <paramref name="classCount"/> is 1).</param>
    /// <exception cref="InvalidEvaluationRequestException">
    /// No rows, a length mismatch, a label out of range, a k out of range, a wrong number of class names, a
    /// non-finite score, or scores declared as probabilities that are not.
    /// </exception>
    public static ClassificationReport Compute(
        IReadOnlyList<long> labels,
        ReadOnlySpan<float> scores,
        int classCount,
        ScoreKind scoreKind = ScoreKind.Auto,
        IReadOnlyList<int>? topK = null,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);

        var n = labels.Count;
        if (n == 0)
        {
            throw new InvalidEvaluationRequestException("No labelled rows to evaluate; classification metrics need at least one.");
        }

        if ((long)n * classCount != scores.Length)
        {
            throw new InvalidEvaluationRequestException(string.Create(
                CultureInfo.InvariantCulture,
                $"Length mismatch: {n} labels x {classCount} classes need {(long)n * classCount} scores but got {scores.Length}."));
        }

        var classes = classCount == 1 ? 2 : classCount;
        var y = new int[n];
        for (var i = 0; i < n; i++)
        {
            var label = labels[i];
            if (label < 0 || label >= classes)
            {
                throw new InvalidEvaluationRequestException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Label {label} at row {i} is outside the class range 0..{classes - 1} ({classCount} score column(s))."));
            }

            y[i] = (int)label;
        }

        if (classNames is not null && classNames.Count != classes)
        {
            throw new InvalidEvaluationRequestException(string.Create(
                CultureInfo.InvariantCulture,
                $"Got {classNames.Count} class names for {classes} classes."));
        }

        var ks = topK ?? [];
        foreach (var k in ks)
        {
            if (k < 1 || k > classes)
            {
                throw new InvalidEvaluationRequestException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Top-k value {k} is outside 1..{classes}."));
            }
        }

        ScoreMath.RequireFinite(scores, classCount, "Scores");
        var resolution = ScoreKindDetector.Resolve(scores, n, classCount, scoreKind);
        var kind = resolution.Kind;
        var rankScores = RankScores(scores, n, classCount, kind);

        // Counts are kept per class (O(classes)), and the classes x classes matrix only up to DenseClassLimit:
        // a language model's 100k-token vocabulary would otherwise need 80 GB for the matrix alone.
        var dense = classes <= DenseClassLimit;
        var confusion = dense ? new long[classes][] : [];
        for (var c = 0; dense && c < classes; c++)
        {
            confusion[c] = new long[classes];
        }

        var support = new long[classes];
        var predictedCounts = new long[classes];
        var truePositives = new long[classes];
        var hits = new long[ks.Count];
        double logLossSum = 0;
        for (var i = 0; i < n; i++)
        {
            var row = rankScores.AsSpan(i * classes, classes);
            var truth = y[i];

            // Rank of the true class under the lower-index-wins tie rule; rank 0 is the arg-max.
            var rank = 0;
            for (var j = 0; j < classes; j++)
            {
                if (row[j] > row[truth] || (row[j] == row[truth] && j < truth))
                {
                    rank++;
                }
            }

            var predicted = 0;
            for (var j = 1; j < classes; j++)
            {
                if (row[j] > row[predicted])
                {
                    predicted = j;
                }
            }

            support[truth]++;
            predictedCounts[predicted]++;
            if (predicted == truth)
            {
                truePositives[truth]++;
            }

            if (dense)
            {
                confusion[truth][predicted]++;
            }

            for (var t = 0; t < ks.Count; t++)
            {
                if (rank < ks[t])
                {
                    hits[t]++;
                }
            }

            logLossSum -= LogProbabilityOfTruth(scores.Slice(i * classCount, classCount), truth, kind);
        }

        var perClass = PerClassMetrics(support, predictedCounts, truePositives, dense, classNames, out var macro, out var weighted, n);
        var correct = truePositives.Sum();

        var topKResults = new TopKAccuracy[ks.Count];
        for (var t = 0; t < ks.Count; t++)
        {
            topKResults[t] = new TopKAccuracy { K = ks[t], Hits = hits[t], Accuracy = hits[t] / (double)n };
        }

        return new ClassificationReport
        {
            SampleCount = n,
            ClassCount = classes,
            ScoreKind = resolution,
            Accuracy = correct / (double)n,
            PerClass = perClass,
            MacroAverage = macro,
            WeightedAverage = weighted,
            ConfusionMatrix = confusion,
            ConfusionMatrixOmitted = dense
                ? null
                : string.Create(CultureInfo.InvariantCulture, $"{classes} classes exceed the limit of {DenseClassLimit} for a dense confusion matrix; per-class counts list only the classes that occur"),
            Auc = dense ? ComputeAuc(scores, y, classCount, kind, classNames) : SkippedAuc(classes),
            TopK = topKResults,
            LogLoss = logLossSum / n,
        };
    }

    /// <summary>
    /// Scores in which a higher value means a more likely class. A single column becomes [threshold, score] so
    /// that arg-max and top-k treat it as two classes and a score equal to the threshold goes to class 0.
    /// </summary>
    private static double[] RankScores(ReadOnlySpan<float> scores, int n, int classCount, ScoreKind kind)
    {
        if (classCount == 1)
        {
            var threshold = kind == ScoreKind.Logits ? 0.0 : 0.5;
            var expanded = new double[n * 2];
            for (var i = 0; i < n; i++)
            {
                expanded[2 * i] = threshold;
                expanded[(2 * i) + 1] = scores[i];
            }

            return expanded;
        }

        // Arg-max of logits equals arg-max of their softmax, and raw values avoid ties created by exp underflow.
        var copy = new double[scores.Length];
        for (var i = 0; i < scores.Length; i++)
        {
            copy[i] = scores[i];
        }

        return copy;
    }

    private static double LogProbabilityOfTruth(ReadOnlySpan<float> row, int truth, ScoreKind kind)
    {
        double logP;
        if (row.Length == 1)
        {
            if (kind == ScoreKind.Logits)
            {
                logP = truth == 1 ? ScoreMath.LogSigmoid(row[0]) : ScoreMath.LogSigmoid(-(double)row[0]);
            }
            else
            {
                double p = truth == 1 ? row[0] : 1.0 - row[0];
                logP = Math.Log(Math.Clamp(p, LogLossEpsilon, 1.0 - LogLossEpsilon));
            }
        }
        else if (kind == ScoreKind.Logits)
        {
            logP = ScoreMath.LogSoftmax(row, truth);
        }
        else
        {
            logP = Math.Log(Math.Clamp(row[truth], LogLossEpsilon, 1.0 - LogLossEpsilon));
        }

        // The same clip in log space for logits, so both score kinds agree on one convention.
        return Math.Clamp(logP, Math.Log(LogLossEpsilon), Math.Log(1.0 - LogLossEpsilon));
    }

    private static ClassMetrics[] PerClassMetrics(
        long[] supports, long[] predictedCounts, long[] truePositives, bool everyClass, IReadOnlyList<string>? names, out AveragedMetrics macro, out AveragedMetrics weighted, int n)
    {
        var classes = supports.Length;
        var result = new List<ClassMetrics>(everyClass ? classes : Math.Min(classes, 2 * n));
        double macroP = 0, macroR = 0, macroF = 0, weightedP = 0, weightedR = 0, weightedF = 0;
        var included = 0;
        for (var c = 0; c < classes; c++)
        {
            long support = supports[c], predicted = predictedCounts[c];
            if (!everyClass && support == 0 && predicted == 0)
            {
                // Above the dense limit only classes that occur are listed; absent ones add nothing to the averages.
                continue;
            }

            var tp = truePositives[c];
            var falsePositives = predicted - tp;
            var falseNegatives = support - tp;
            var precision = predicted == 0 ? 0.0 : tp / (double)predicted;
            var recall = support == 0 ? 0.0 : tp / (double)support;
            var f1Denominator = (2 * tp) + falsePositives + falseNegatives;
            var f1 = f1Denominator == 0 ? 0.0 : 2.0 * tp / f1Denominator;
            var include = support > 0 || predicted > 0;
            string? note = (predicted, support) switch
            {
                (0, 0) => "neither labelled nor predicted: all values 0, left out of the averages",
                (0, _) => "never predicted: precision set to 0 (zero_division=0)",
                (_, 0) => "never labelled: recall set to 0 (zero_division=0)",
                _ => null,
            };

            result.Add(new ClassMetrics
            {
                ClassIndex = c,
                Name = names?[c],
                Support = support,
                PredictedCount = predicted,
                TruePositives = tp,
                Precision = precision,
                Recall = recall,
                F1 = f1,
                IncludedInAverages = include,
                Note = note,
            });

            if (include)
            {
                included++;
                macroP += precision;
                macroR += recall;
                macroF += f1;
                weightedP += support * precision;
                weightedR += support * recall;
                weightedF += support * f1;
            }
        }

        // At least one class is labelled because n > 0, so neither divisor is zero.
        macro = new AveragedMetrics { Precision = macroP / included, Recall = macroR / included, F1 = macroF / included, ClassesAveraged = included };
        weighted = new AveragedMetrics { Precision = weightedP / n, Recall = weightedR / n, F1 = weightedF / n, ClassesAveraged = included };
        return result.ToArray();
    }

    private static AucResult SkippedAuc(int classes) => new()
    {
        Method = AucMethod.OneVsRestMacro,
        Value = null,
        UndefinedReason = string.Create(CultureInfo.InvariantCulture, $"{classes} classes exceed the limit of {DenseClassLimit} for one-vs-rest AUC (one pass over every row per class); use top-k accuracy instead"),
        PerClass = [],
        SkippedClasses = [],
    };

    private static AucResult ComputeAuc(ReadOnlySpan<float> scores, int[] y, int classCount, ScoreKind kind, IReadOnlyList<string>? names)
    {
        var n = y.Length;
        if (classCount <= 2)
        {
            var positive = new double[n];
            var isPositive = new bool[n];
            for (var i = 0; i < n; i++)
            {
                isPositive[i] = y[i] == 1;
                positive[i] = classCount == 1
                    ? scores[i]
                    : kind == ScoreKind.Logits
                        ? (double)scores[(2 * i) + 1] - scores[2 * i]
                        : scores[(2 * i) + 1];
            }

            var value = RocAuc.Compute(positive, isPositive);
            return new AucResult
            {
                Method = AucMethod.Binary,
                Value = value,
                UndefinedReason = value is null
                    ? string.Create(CultureInfo.InvariantCulture, $"only class {y[0]} is present in the labels; ROC AUC needs both classes")
                    : null,
                PerClass = [],
                SkippedClasses = [],
            };
        }

        var probabilities = ScoreMath.ToProbabilities(scores, n, classCount, kind);
        var column = new double[n];
        var isClass = new bool[n];
        var perClass = new ClassAuc[classCount];
        var skipped = new List<int>();
        double sum = 0;
        for (var c = 0; c < classCount; c++)
        {
            for (var i = 0; i < n; i++)
            {
                column[i] = probabilities[(i * classCount) + c];
                isClass[i] = y[i] == c;
            }

            var value = RocAuc.Compute(column, isClass);
            if (value is null)
            {
                skipped.Add(c);
                var hasPositives = Array.IndexOf(y, c) >= 0;
                perClass[c] = new ClassAuc
                {
                    ClassIndex = c,
                    Name = names?[c],
                    UndefinedReason = hasPositives
                        ? "every label is this class: no negatives"
                        : "class absent from the labels: no positives",
                };
            }
            else
            {
                sum += value.Value;
                perClass[c] = new ClassAuc { ClassIndex = c, Name = names?[c], Value = value };
            }
        }

        var evaluated = classCount - skipped.Count;
        return new AucResult
        {
            Method = AucMethod.OneVsRestMacro,
            Value = evaluated == 0 ? null : sum / evaluated,
            UndefinedReason = evaluated == 0
                ? string.Create(CultureInfo.InvariantCulture, $"only class {y[0]} is present in the labels; no class has both positives and negatives")
                : null,
            PerClass = perClass,
            SkippedClasses = skipped,
        };
    }
}
