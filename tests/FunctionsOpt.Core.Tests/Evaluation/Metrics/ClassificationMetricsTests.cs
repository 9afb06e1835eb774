using System.Text.Json;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Tests.Evaluation.Metrics;

/// <summary>
/// Expected values are worked by hand in comments, or computed with numpy 1.24 where noted. The numpy ROC reference
/// is independent of the Mann-Whitney implementation under test: it builds ROC points at each distinct threshold
/// and integrates with the trapezoid rule (what scikit-learn's roc_auc_score does):
/// <code>
/// def auc_trapz(y, s):
///     order = np.argsort(-s, kind='mergesort'); s = s[order]; y = y[order]
///     idx = np.r_[np.where(np.diff(s))[0], y.size - 1]
///     tps = np.cumsum(y)[idx]; fps = (1 + idx) - tps
///     return np.trapz(np.r_[0, tps] / tps[-1], np.r_[0, fps] / fps[-1])
/// </code>
/// Float inputs are mirrored in numpy as <c>np.array(x, dtype=np.float32).astype(np.float64)</c>.
/// </summary>
public sealed class ClassificationMetricsTests
{
    private static readonly float[] ThreeClassProbabilities =
    [
        0.7f, 0.2f, 0.1f,
        0.4f, 0.4f, 0.2f,
        0.2f, 0.5f, 0.3f,
        0.1f, 0.3f, 0.6f,
        0.3f, 0.3f, 0.4f,
        0.5f, 0.1f, 0.4f,
    ];

    private static readonly long[] ThreeClassLabels = [0, 0, 1, 2, 2, 1];

    [Fact]
    public void Compute_TiedScoresSingleColumn_AucCountsTiesAsHalf()
    {
        // Positives {0.4, 0.8} vs negatives {0.1, 0.4}: 0.4>0.1 (1), 0.4=0.4 (0.5), 0.8>0.1 (1), 0.8>0.4 (1)
        // -> 3.5 of 4 pairs = 0.875.
        var report = ClassificationMetrics.Compute([0, 0, 1, 1], [0.1f, 0.4f, 0.4f, 0.8f], 1);

        Assert.Equal(AucMethod.Binary, report.Auc.Method);
        Assert.Equal(0.875, report.Auc.Value!.Value, 1e-12);
        Assert.Null(report.Auc.UndefinedReason);
        Assert.Equal(2, report.ClassCount);
    }

    [Fact]
    public void Compute_TiedScoresTwoColumns_AucRanksByColumnOne()
    {
        // Column 1 is [0.1, 0.4, 0.4, 0.8]: the same ranking as the single-column case, 0.875.
        float[] scores = [0.9f, 0.1f, 0.6f, 0.4f, 0.6f, 0.4f, 0.2f, 0.8f];

        var report = ClassificationMetrics.Compute([0, 0, 1, 1], scores, 2);

        Assert.Equal(0.875, report.Auc.Value!.Value, 1e-12);
    }

    [Fact]
    public void Compute_ManyTiedBinaryScores_MatchesTrapezoidalRoc()
    {
        // numpy: rng = np.random.default_rng(7); s = rng.integers(0, 5, 40) / 4.0; y = rng.integers(0, 2, 40)
        //        auc_trapz(y, s) -> 0.547979797979798
        long[] labels =
        [
            0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1,
            0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0,
        ];
        float[] scores =
        [
            1.0f, 0.75f, 0.75f, 1.0f, 0.5f, 0.75f, 1.0f, 0.25f, 0.0f, 0.25f, 0.25f, 1.0f, 1.0f, 0.0f, 0.5f, 1.0f, 0.0f, 0.75f, 0.0f, 0.5f,
            1.0f, 0.25f, 0.25f, 0.25f, 0.75f, 0.25f, 1.0f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 1.0f, 1.0f, 0.75f, 0.75f, 0.75f, 0.25f, 1.0f,
        ];

        var report = ClassificationMetrics.Compute(labels, scores, 1, ScoreKind.Probabilities);

        Assert.Equal(0.547979797979798, report.Auc.Value!.Value, 1e-12);
    }

    [Fact]
    public void Compute_MulticlassProbabilities_OneVsRestMacroAuc()
    {
        // Class 0 by hand: positives {0.7, 0.4} vs negatives {0.2, 0.1, 0.3, 0.5}: 0.7 beats 4, 0.4 beats 3 -> 7/8.
        // numpy: [auc_trapz((y == c).astype(int), S[:, c]) for c in range(3)] -> [0.875, 0.5, 0.9375]; mean 0.7708333333333334
        var report = ClassificationMetrics.Compute(ThreeClassLabels, ThreeClassProbabilities, 3);

        Assert.Equal(ScoreKind.Probabilities, report.ScoreKind.Kind);
        Assert.Equal(AucMethod.OneVsRestMacro, report.Auc.Method);
        Assert.Equal(0.7708333333333334, report.Auc.Value!.Value, 1e-12);
        Assert.Equal(0.875, report.Auc.PerClass[0].Value!.Value, 1e-12);
        Assert.Equal(0.5, report.Auc.PerClass[1].Value!.Value, 1e-12);
        Assert.Equal(0.9375, report.Auc.PerClass[2].Value!.Value, 1e-12);
        Assert.Empty(report.Auc.SkippedClasses);
    }

    [Fact]
    public void Compute_MulticlassWithClassAbsentFromLabels_SkipsItInMacroAuc()
    {
        // The three-class data with a fourth, always-zero column: classes 0..2 keep their AUCs, class 3 has no positives.
        var scores = new float[6 * 4];
        for (var i = 0; i < 6; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                scores[(i * 4) + j] = ThreeClassProbabilities[(i * 3) + j];
            }
        }

        var report = ClassificationMetrics.Compute(ThreeClassLabels, scores, 4);

        Assert.Equal(0.7708333333333334, report.Auc.Value!.Value, 1e-12);
        Assert.Equal([3], report.Auc.SkippedClasses);
        Assert.Null(report.Auc.PerClass[3].Value);
        Assert.Equal("class absent from the labels: no positives", report.Auc.PerClass[3].UndefinedReason);
    }

    [Fact]
    public void Compute_SingleClassInLabels_AucNullWithReason()
    {
        var report = ClassificationMetrics.Compute([1, 1, 1], [0.2f, 0.9f, 0.6f], 1);

        Assert.Null(report.Auc.Value);
        Assert.Equal("only class 1 is present in the labels; ROC AUC needs both classes", report.Auc.UndefinedReason);
    }

    [Fact]
    public void Compute_ClassAbsentFromLabels_ConfusionMatrixStillHasItsRowAndColumn()
    {
        // Predictions (arg-max): [0, 2, 1, 1] for labels [0, 0, 1, 1]; class 2 is predicted once but never labelled.
        float[] scores =
        [
            0.8f, 0.1f, 0.1f,
            0.2f, 0.2f, 0.6f,
            0.1f, 0.8f, 0.1f,
            0.3f, 0.6f, 0.1f,
        ];

        var report = ClassificationMetrics.Compute([0, 0, 1, 1], scores, 3);

        Assert.Equal(new long[] { 1, 0, 1 }, report.ConfusionMatrix[0]);
        Assert.Equal(new long[] { 0, 2, 0 }, report.ConfusionMatrix[1]);
        Assert.Equal(new long[] { 0, 0, 0 }, report.ConfusionMatrix[2]);
        Assert.Equal(0.75, report.Accuracy, 1e-12);

        // F1 = 2TP / (2TP + FP + FN): class 0: 2/(2+0+1) = 2/3; class 1: 4/(4+0+0) = 1; class 2: 0/(0+1+0) = 0.
        // Class 2 is predicted, so it is among sklearn's default labels: macro F1 = (2/3 + 1 + 0) / 3 = 5/9.
        var class2 = report.PerClass[2];
        Assert.Equal(0, class2.Support);
        Assert.Equal(1, class2.PredictedCount);
        Assert.True(class2.IncludedInAverages);
        Assert.Equal("never labelled: recall set to 0 (zero_division=0)", class2.Note);
        Assert.Equal(5.0 / 9.0, report.MacroAverage.F1, 1e-12);
        Assert.Equal(3, report.MacroAverage.ClassesAveraged);
    }

    [Fact]
    public void Compute_ImbalancedBinary_MacroAndWeightedF1Differ()
    {
        // Six class-0 rows (4 predicted 0, 2 predicted 1) and two class-1 rows (1 predicted 1, 1 predicted 0):
        // confusion [[4, 2], [1, 1]].
        // class 0: P = 4/5, R = 4/6, F1 = 8/(8+1+2) = 8/11; class 1: P = 1/3, R = 1/2, F1 = 2/(2+2+1) = 2/5.
        // macro:    P = (4/5 + 1/3)/2 = 17/30, R = (2/3 + 1/2)/2 = 7/12, F1 = (8/11 + 2/5)/2 = 31/55.
        // weighted: P = (6*4/5 + 2*1/3)/8 = 41/60, R = (6*2/3 + 2*1/2)/8 = 5/8, F1 = (6*8/11 + 2*2/5)/8 = 71/110.
        float[] scores =
        [
            0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.3f, 0.6f, 0.4f, 0.3f, 0.7f, 0.2f, 0.8f,
            0.1f, 0.9f, 0.55f, 0.45f,
        ];

        var report = ClassificationMetrics.Compute([0, 0, 0, 0, 0, 0, 1, 1], scores, 2);

        Assert.Equal(new long[] { 4, 2 }, report.ConfusionMatrix[0]);
        Assert.Equal(new long[] { 1, 1 }, report.ConfusionMatrix[1]);
        Assert.Equal(8.0 / 11.0, report.PerClass[0].F1, 1e-12);
        Assert.Equal(2.0 / 5.0, report.PerClass[1].F1, 1e-12);
        Assert.Equal(17.0 / 30.0, report.MacroAverage.Precision, 1e-12);
        Assert.Equal(7.0 / 12.0, report.MacroAverage.Recall, 1e-12);
        Assert.Equal(31.0 / 55.0, report.MacroAverage.F1, 1e-12);
        Assert.Equal(41.0 / 60.0, report.WeightedAverage.Precision, 1e-12);
        Assert.Equal(5.0 / 8.0, report.WeightedAverage.Recall, 1e-12);
        Assert.Equal(71.0 / 110.0, report.WeightedAverage.F1, 1e-12);
        Assert.Equal(5.0 / 8.0, report.Accuracy, 1e-12);
    }

    [Fact]
    public void Compute_ClassNeverPredicted_PrecisionIsZero()
    {
        // Labels [0, 0, 1, 2], predictions [0, 0, 1, 1]; class 3 is neither labelled nor predicted.
        // class 0: P = R = F1 = 1; class 1: P = 1/2, R = 1, F1 = 2/(2+1+0) = 2/3; class 2: P = 0 (never predicted), R = 0, F1 = 0.
        // macro over {0, 1, 2}: P = 1.5/3 = 0.5, R = 2/3, F1 = (1 + 2/3)/3 = 5/9.
        float[] scores =
        [
            0.7f, 0.1f, 0.1f, 0.1f,
            0.6f, 0.2f, 0.1f, 0.1f,
            0.1f, 0.7f, 0.1f, 0.1f,
            0.1f, 0.5f, 0.3f, 0.1f,
        ];

        var report = ClassificationMetrics.Compute([0, 0, 1, 2], scores, 4);

        var class2 = report.PerClass[2];
        Assert.Equal(0, class2.PredictedCount);
        Assert.Equal(0.0, class2.Precision);
        Assert.Equal("never predicted: precision set to 0 (zero_division=0)", class2.Note);
        Assert.False(report.PerClass[3].IncludedInAverages);
        Assert.Equal(3, report.MacroAverage.ClassesAveraged);
        Assert.Equal(0.5, report.MacroAverage.Precision, 1e-12);
        Assert.Equal(2.0 / 3.0, report.MacroAverage.Recall, 1e-12);
        Assert.Equal(5.0 / 9.0, report.MacroAverage.F1, 1e-12);
        Assert.Equal(4, report.ConfusionMatrix.Length);
        Assert.All(report.ConfusionMatrix, row => Assert.Equal(4, row.Length));
    }

    [Fact]
    public void Compute_TopKWithTies_LowerIndexWins()
    {
        // Rank of the true class (classes that outrank it: higher score, or equal score and lower index):
        // row 0 label 0 in [0.1, 0.2, 0.3, 0.4]: 3; row 1 label 2 in four 0.25s: 2 (classes 0, 1);
        // row 2 label 0 in four 0.25s: 0; row 3 label 1 in [0.4, 0.3, 0.2, 0.1]: 1.
        // Top-k hits rank < k: k=1 -> 1, k=2 -> 2, k=3 -> 3, k=4 -> 4.
        float[] scores =
        [
            0.1f, 0.2f, 0.3f, 0.4f,
            0.25f, 0.25f, 0.25f, 0.25f,
            0.25f, 0.25f, 0.25f, 0.25f,
            0.4f, 0.3f, 0.2f, 0.1f,
        ];

        var report = ClassificationMetrics.Compute([0, 2, 0, 1], scores, 4, topK: [1, 2, 3, 4]);

        Assert.Equal([1L, 2L, 3L, 4L], report.TopK.Select(t => t.Hits));
        Assert.Equal([0.25, 0.5, 0.75, 1.0], report.TopK.Select(t => t.Accuracy));
        Assert.Equal(report.Accuracy, report.TopK[0].Accuracy);
    }

    [Fact]
    public void Compute_Logits_SoftmaxLogLossMatchesNumpy()
    {
        // numpy: P = np.exp(Z - Z.max(1, keepdims=True)); P /= P.sum(1, keepdims=True)
        //        -np.mean(np.log(np.clip(P[np.arange(5), y], 1e-15, 1 - 1e-15))) -> 5.187010742621285
        //        OvR on P: [auc_trapz((y == c).astype(int), P[:, c]) for c in range(3)] -> [0.75, 1/3, 0.75]
        float[] logits =
        [
            2.0f, 1.0f, 0.1f,
            0.5f, 2.5f, -1.0f,
            -1.0f, 0.0f, 3.0f,
            1.5f, 1.5f, 0.0f,
            10.0f, -10.0f, 0.0f,
        ];

        var report = ClassificationMetrics.Compute([0, 1, 1, 2, 1], logits, 3);

        Assert.Equal(ScoreKind.Logits, report.ScoreKind.Kind);
        Assert.Equal(ScoreKindSource.Detected, report.ScoreKind.Source);
        Assert.Equal(5.187010742621285, report.LogLoss, 1e-12);
        Assert.Equal((0.75 + (1.0 / 3.0) + 0.75) / 3.0, report.Auc.Value!.Value, 1e-12);
    }

    [Fact]
    public void Compute_ProbabilityZeroForTrueClass_LogLossClippedMatchesNumpy()
    {
        // Row 0 gives the true class probability 0, clipped to 1e-15.
        // numpy: -np.mean(np.log(np.clip(Q[np.arange(4), [1, 1, 0, 1]], 1e-15, 1 - 1e-15))) -> 8.779648723073091
        float[] scores = [1.0f, 0.0f, 0.3f, 0.7f, 0.8f, 0.2f, 0.0f, 1.0f];

        var report = ClassificationMetrics.Compute([1, 1, 0, 1], scores, 2, ScoreKind.Probabilities);

        Assert.Equal(8.779648723073091, report.LogLoss, 1e-12);
    }

    [Fact]
    public void Compute_SingleColumnLogits_SigmoidLogLossAndZeroThreshold()
    {
        // Predictions: logit > 0 -> [0, 1, 1, 0, 0] (0 itself goes to class 0); labels [0, 1, 0, 1, 1].
        // confusion: true 0 -> [1, 1]; true 1 -> [2, 1]; accuracy 2/5.
        // AUC: positives {0.5, -0.25, 0} vs negatives {-2, 3}: each beats -2, none beats 3 -> 3/6.
        // numpy: ps = 1/(1+np.exp(-z)); -np.mean(np.log(np.where(y == 1, ps, 1 - ps))) -> 1.0337357894471226
        float[] logits = [-2.0f, 0.5f, 3.0f, -0.25f, 0.0f];

        var report = ClassificationMetrics.Compute([0, 1, 0, 1, 1], logits, 1, ScoreKind.Logits);

        Assert.Equal(new long[] { 1, 1 }, report.ConfusionMatrix[0]);
        Assert.Equal(new long[] { 2, 1 }, report.ConfusionMatrix[1]);
        Assert.Equal(0.4, report.Accuracy, 1e-12);
        Assert.Equal(0.5, report.Auc.Value!.Value, 1e-12);
        Assert.Equal(1.0337357894471226, report.LogLoss, 1e-12);
    }

    [Fact]
    public void Compute_ClassNames_AppearOnPerClassEntries()
    {
        var report = ClassificationMetrics.Compute(ThreeClassLabels, ThreeClassProbabilities, 3, classNames: ["cat", "dog", "eel"]);

        Assert.Equal(["cat", "dog", "eel"], report.PerClass.Select(c => c.Name));
        Assert.Equal("eel", report.Auc.PerClass[2].Name);
    }

    [Fact]
    public void Compute_Report_SerialisesWithDefaultJsonOptions()
    {
        // A null AUC must serialise as null: NaN would make System.Text.Json throw.
        var report = ClassificationMetrics.Compute([1, 1], [0.2f, 0.9f], 1);

        var json = JsonSerializer.Serialize(report);

        Assert.Contains("\"Value\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"ConfusionMatrix\":[[0,0],[1,1]]", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_LabelOutOfRange_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ClassificationMetrics.Compute([0, 3], [0.5f, 0.2f, 0.3f, 0.1f, 0.1f, 0.8f], 3));

        Assert.Equal("invalid-request", ex.ErrorCode);
        Assert.Equal("Label 3 at row 1 is outside the class range 0..2 (3 score column(s)).", ex.Message);
    }

    [Fact]
    public void Compute_NegativeLabel_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ClassificationMetrics.Compute([-1], [0.3f], 1));

        Assert.Equal("Label -1 at row 0 is outside the class range 0..1 (1 score column(s)).", ex.Message);
    }

    [Fact]
    public void Compute_LengthMismatch_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ClassificationMetrics.Compute([0, 1, 1], [0.5f, 0.5f, 0.2f, 0.8f], 2));

        Assert.Equal("Length mismatch: 3 labels x 2 classes need 6 scores but got 4.", ex.Message);
    }

    [Fact]
    public void Compute_TopKAboveClassCount_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ClassificationMetrics.Compute([0, 1], [0.5f, 0.5f, 0.2f, 0.8f], 2, topK: [1, 3]));

        Assert.Equal("Top-k value 3 is outside 1..2.", ex.Message);
    }

    [Fact]
    public void Compute_WrongNumberOfClassNames_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ClassificationMetrics.Compute([0, 1], [0.5f, 0.5f, 0.2f, 0.8f], 2, classNames: ["only"]));

        Assert.Equal("Got 1 class names for 2 classes.", ex.Message);
    }

    [Fact]
    public void Compute_NoLabels_Throws()
    {
        Assert.Throws<InvalidEvaluationRequestException>(() => ClassificationMetrics.Compute([], [], 2));
    }

    [Fact]
    public void Compute_NaNScore_ThrowsWithPosition()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ClassificationMetrics.Compute([0, 1], [0.5f, 0.5f, float.NaN, 0.8f], 2));

        Assert.Equal("Scores contain a non-finite value (NaN) at row 1, column 0; metrics are undefined.", ex.Message);
    }

    [Fact]
    public void Compute_DeclaredProbabilitiesNotSummingToOne_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ClassificationMetrics.Compute([0, 1], [0.5f, 0.5f, 0.2f, 0.3f], 2, ScoreKind.Probabilities));

        Assert.Contains("row 1 sums to 0.5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_ClassesAboveDenseLimit_NoDenseMatrixAndOnlyOccurringClassesListed()
    {
        // 200,000 classes (a large vocabulary), 3 rows: a dense confusion matrix would be 320 GB.
        const int classes = 200_000;
        var scores = new float[3 * classes];
        long[] labels = [7, 199_999, 7];
        scores[(0 * classes) + 7] = 5f;       // row 0: predicts 7, correct
        scores[(1 * classes) + 42] = 5f;      // row 1: predicts 42, truth 199,999
        scores[(2 * classes) + 7] = 5f;       // row 2: predicts 7, correct

        var report = ClassificationMetrics.Compute(labels, scores, classes, ScoreKind.Logits);

        Assert.Equal(2.0 / 3.0, report.Accuracy, 12);
        Assert.Empty(report.ConfusionMatrix);
        Assert.Contains("200000 classes exceed the limit of 1024", report.ConfusionMatrixOmitted, StringComparison.Ordinal);
        Assert.Equal([7, 42, 199_999], report.PerClass.Select(c => c.ClassIndex));
        var seven = report.PerClass[0];
        Assert.Equal((2L, 2L, 2L), (seven.Support, seven.PredictedCount, seven.TruePositives));
        // Macro F1 over the 3 occurring classes: class 7 has F1 1, classes 42 and 199,999 have F1 0.
        Assert.Equal(1.0 / 3.0, report.MacroAverage.F1, 12);
        Assert.Null(report.Auc.Value);
        Assert.Contains("exceed the limit", report.Auc.UndefinedReason, StringComparison.Ordinal);
    }
}
