using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Tests.Evaluation.Metrics;

/// <summary>
/// numpy 1.24 reference (A = reference, B = candidate, both <c>np.array(x, dtype=np.float32).astype(np.float64)</c>):
/// <code>
/// agree = np.mean(np.argmax(A, 1) == np.argmax(B, 1))
/// cos = np.sum(A * B, 1) / (np.linalg.norm(A, axis=1) * np.linalg.norm(B, axis=1))
/// d = np.abs(A - B); d.max(); d.mean(); np.sqrt(np.mean(d**2))
/// P, Q = softmax(A), softmax(B)   # or A, B when they are probabilities
/// P = np.clip(P, 1e-12, None); Q = np.clip(Q, 1e-12, None); np.mean(np.sum(P * np.log(P / Q), 1))
/// </code>
/// </summary>
public sealed class FidelityMetricsTests
{
    [Fact]
    public void Compute_Logits_MatchesNumpyWithSoftmaxKl()
    {
        float[] reference = [2.0f, 1.0f, 0.1f, 0.5f, 2.5f, -1.0f, -1.0f, 0.0f, 3.0f, 1.5f, 1.4f, 0.0f];
        float[] candidate = [1.9f, 1.1f, 0.0f, 0.6f, 2.4f, -0.9f, -1.2f, 0.1f, 2.5f, 1.3f, 1.6f, 0.1f];

        var report = FidelityMetrics.Compute(reference, candidate, 4, 3);

        Assert.Equal(ScoreKind.Logits, report.ScoreKind.Kind);
        // Arg-max [0, 1, 2, 0] vs [0, 1, 2, 1]: 3 of 4 rows agree.
        Assert.Equal(3, report.AgreeingRows);
        Assert.Equal(0.75, report.Top1Agreement, 1e-12);
        Assert.Equal(0.9941708399644996, report.MeanCosineSimilarity, 1e-12);
        Assert.Equal(0.9893914965554497, report.MinCosineSimilarity, 1e-12);
        Assert.Equal(0.5, report.MaxAbsoluteDifference, 1e-12);
        Assert.Equal(0.15833334562679133, report.MeanAbsoluteDifference, 1e-12);
        Assert.Equal(0.19364917981463, report.RootMeanSquaredError, 1e-12);
        Assert.Equal(0.008713911636155106, report.KlDivergence, 1e-12);
        Assert.Equal("softmax applied to both outputs (logits)", report.KlDivergenceBasis);
    }

    [Fact]
    public void Compute_Probabilities_MatchesNumpyWithClippedKl()
    {
        // Row 1 of the reference holds zeros, which the 1e-12 clip keeps finite.
        float[] reference = [0.7f, 0.2f, 0.1f, 0.0f, 1.0f, 0.0f, 0.3f, 0.3f, 0.4f];
        float[] candidate = [0.6f, 0.3f, 0.1f, 0.01f, 0.98f, 0.01f, 0.4f, 0.3f, 0.3f];

        var report = FidelityMetrics.Compute(reference, candidate, 3, 3);

        Assert.Equal(ScoreKind.Probabilities, report.ScoreKind.Kind);
        // Arg-max [0, 1, 2] vs [0, 1, 0].
        Assert.Equal(2.0 / 3.0, report.Top1Agreement, 1e-12);
        Assert.Equal(0.9845450895269567, report.MeanCosineSimilarity, 1e-12);
        Assert.Equal(0.9705882404502284, report.MinCosineSimilarity, 1e-12);
        Assert.Equal(0.10000000894069672, report.MaxAbsoluteDifference, 1e-12);
        Assert.Equal(0.04888888241516219, report.MeanAbsoluteDifference, 1e-12);
        Assert.Equal(0.06716479855095873, report.RootMeanSquaredError, 1e-12);
        Assert.Equal(0.02526109912120846, report.KlDivergence, 1e-12);
        Assert.Contains("as given", report.KlDivergenceBasis, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_SingleColumnProbabilities_ThresholdsAndBernoulliKl()
    {
        // Thresholded above 0.5: reference [0, 1, 0] (0.5 is not above), candidate [0, 1, 1] -> 2 of 3 agree.
        // numpy: P = np.clip(np.stack([1 - a, a], 1), 1e-12, None), Q likewise for b;
        //        np.mean(np.sum(P * np.log(P / Q), 1)) -> 0.038099556132017286
        //        np.mean(np.abs(a - b)) -> 0.10333331922690074; np.sqrt(np.mean((a - b)**2)) -> 0.12922847189996747
        float[] reference = [0.2f, 0.6f, 0.5f];
        float[] candidate = [0.4f, 0.7f, 0.51f];

        var report = FidelityMetrics.Compute(reference, candidate, 3, 1);

        Assert.Equal(2, report.AgreeingRows);
        Assert.Equal(0.038099556132017286, report.KlDivergence, 1e-12);
        Assert.Equal(0.10333331922690074, report.MeanAbsoluteDifference, 1e-12);
        Assert.Equal(0.12922847189996747, report.RootMeanSquaredError, 1e-12);
        // Positive scalars point the same way: cosine 1 on every row.
        Assert.Equal(1.0, report.MinCosineSimilarity, 1e-12);
        Assert.StartsWith("outputs used as positive-class probabilities", report.KlDivergenceBasis, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_SingleColumnLogits_ThresholdsAtZero()
    {
        // Reference [-1, 2, 0.25] -> classes [0, 1, 1]; candidate [1, 2, -0.25] -> [1, 1, 0]: 1 of 3 agrees.
        var report = FidelityMetrics.Compute([-1f, 2f, 0.25f], [1f, 2f, -0.25f], 3, 1, ScoreKind.Logits);

        Assert.Equal(1, report.AgreeingRows);
        Assert.StartsWith("sigmoid applied to both outputs", report.KlDivergenceBasis, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_ZeroRows_CosineOneOnlyWhenBothZero()
    {
        // Row 0 both zero -> 1; row 1 reference zero, candidate not -> 0; row 2 candidate zero -> 0.
        // Mean = 1/3, min = 0.
        float[] reference = [0f, 0f, 0f, 0f, 1f, 0f];
        float[] candidate = [0f, 0f, 1f, 1f, 0f, 0f];

        var report = FidelityMetrics.Compute(reference, candidate, 3, 2, ScoreKind.Logits);

        Assert.Equal(1.0 / 3.0, report.MeanCosineSimilarity, 1e-12);
        Assert.Equal(0.0, report.MinCosineSimilarity);
    }

    [Fact]
    public void Compute_IdenticalOutputs_PerfectFidelity()
    {
        float[] output = [3.0f, -1.0f, 0.5f, 0.2f, 0.1f, 4.0f];

        var report = FidelityMetrics.Compute(output, output, 2, 3);

        Assert.Equal(1.0, report.Top1Agreement);
        Assert.Equal(1.0, report.MinCosineSimilarity, 1e-12);
        Assert.Equal(0.0, report.MaxAbsoluteDifference);
        Assert.Equal(0.0, report.RootMeanSquaredError);
        Assert.Equal(0.0, report.KlDivergence, 1e-15);
    }

    [Fact]
    public void Compute_CandidateLengthMismatch_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => FidelityMetrics.Compute([1f, 2f, 3f, 4f], [1f, 2f, 3f], 2, 2));

        Assert.Equal(
            "Length mismatch: 2 rows x 2 columns need 4 values but the reference has 4 and the candidate 3.", ex.Message);
    }

    [Fact]
    public void Compute_CandidateInfinity_ThrowsWithPosition()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => FidelityMetrics.Compute([1f, 2f, 3f, 4f], [1f, 2f, 3f, float.PositiveInfinity], 2, 2));

        Assert.Equal(
            "Candidate outputs contain a non-finite value (Infinity) at row 1, column 1; metrics are undefined.", ex.Message);
    }

    [Fact]
    public void Compute_DeclaredProbabilitiesButReferenceIsNot_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => FidelityMetrics.Compute([2f, -1f], [2f, -1f], 1, 2, ScoreKind.Probabilities));

        Assert.Contains("declared as probabilities", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_SequenceOutput_TakesTop1PerPositionAlongTheLastAxis()
    {
        // One sample, 3 tokens x 2 classes. Per token the reference picks 0, 1, 0 and the candidate 0, 0, 0: 2 of 3
        // tokens agree. An arg-max over the flattened 6 values would pick index 0 on both sides and call it 1.0.
        float[] reference = [1f, 0f, 0f, 1f, 1f, 0f];
        float[] candidate = [1f, 0f, 1f, 0f, 1f, 0f];

        var report = FidelityMetrics.Compute(reference, candidate, 1, 6, ScoreKind.Logits, classes: 2);

        Assert.Equal(2, report.ClassCount);
        Assert.Equal(3, report.PositionCount);
        Assert.Equal(2, report.AgreeingRows);
        Assert.Equal(2.0 / 3.0, report.Top1Agreement, 1e-12);
        // Cosine stays per sample over all 6 values: dot 2, norms sqrt(3) and sqrt(3).
        Assert.Equal(2.0 / 3.0, report.MeanCosineSimilarity, 1e-12);
        // Differences 0,0,-1,1,0,0: squared sum 2 over the reference's squared sum 3.
        Assert.Equal(Math.Sqrt(2.0 / 3.0), report.RelativeRms, 1e-12);
        Assert.Equal(Math.Sqrt(2.0 / 6.0), report.RootMeanSquaredError, 1e-12);
    }

    [Fact]
    public void Compute_ClassAxisNotDividingRow_ThrowsTyped()
    {
        var ex = Assert.Throws<InvalidEvaluationRequestException>(() => FidelityMetrics.Compute(new float[6], new float[6], 1, 6, ScoreKind.Logits, classes: 4));

        Assert.Contains("class axis has 4 values", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_EqualOutputs_RelativeRmsZeroAndAllZeroReferenceDefined()
    {
        Assert.Equal(0, FidelityMetrics.Compute([1f, 2f], [1f, 2f], 1, 2).RelativeRms);
        Assert.Equal(1, FidelityMetrics.Compute([0f, 0f], [0f, 1f], 1, 2, ScoreKind.Logits).RelativeRms);
    }
}
