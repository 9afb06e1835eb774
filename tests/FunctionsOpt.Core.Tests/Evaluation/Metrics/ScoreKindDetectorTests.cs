using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Tests.Evaluation.Metrics;

public sealed class ScoreKindDetectorTests
{
    [Fact]
    public void Resolve_AutoWithRowsSummingToOne_DetectsProbabilities()
    {
        float[] scores = [0.7f, 0.2f, 0.1f, 0.0f, 1.0f, 0.0f];

        var result = ScoreKindDetector.Resolve(scores, 2, 3, ScoreKind.Auto);

        Assert.Equal(ScoreKind.Probabilities, result.Kind);
        Assert.Equal(ScoreKindSource.Detected, result.Source);
        Assert.Contains("rows sum to 1 within 1e-3", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AutoWithNegativeValues_DetectsLogits()
    {
        float[] scores = [0.5f, -1.0f, 0.5f, 0.1f];

        var result = ScoreKindDetector.Resolve(scores, 2, 2, ScoreKind.Auto);

        Assert.Equal(ScoreKind.Logits, result.Kind);
        Assert.Equal(ScoreKindSource.Detected, result.Source);
        Assert.Contains("value -1 at row 0, column 1 is outside [0,1]", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AutoWithUnitIntervalRowsNotSummingToOne_DetectsLogitsAndSaysWhy()
    {
        // Row 1 sums to 0.3 + 0.4 = 0.7.
        float[] scores = [0.5f, 0.5f, 0.3f, 0.4f];

        var result = ScoreKindDetector.Resolve(scores, 2, 2, ScoreKind.Auto);

        Assert.Equal(ScoreKind.Logits, result.Kind);
        Assert.Contains("row 1 sums to 0.7", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AutoSingleColumnInUnitInterval_DetectsPositiveClassProbability()
    {
        float[] scores = [0.1f, 0.9f, 0.5f];

        var result = ScoreKindDetector.Resolve(scores, 3, 1, ScoreKind.Auto);

        Assert.Equal(ScoreKind.Probabilities, result.Kind);
        Assert.Contains("positive class", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AutoSingleColumnOutsideUnitInterval_DetectsLogits()
    {
        float[] scores = [0.1f, 1.5f];

        var result = ScoreKindDetector.Resolve(scores, 2, 1, ScoreKind.Auto);

        Assert.Equal(ScoreKind.Logits, result.Kind);
    }

    [Fact]
    public void Resolve_DeclaredProbabilitiesThatDoNotSumToOne_Throws()
    {
        // Row 1 sums to 0.2 + 0.2 + 0.2 = 0.6.
        float[] scores = [0.7f, 0.2f, 0.1f, 0.2f, 0.2f, 0.2f];

        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ScoreKindDetector.Resolve(scores, 2, 3, ScoreKind.Probabilities));

        Assert.Equal("invalid-request", ex.ErrorCode);
        Assert.StartsWith("Scores were declared as probabilities but row 1 sums to 0.6", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Declare them as logits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DeclaredProbabilitiesValid_ReportsDeclared()
    {
        float[] scores = [0.25f, 0.75f];

        var result = ScoreKindDetector.Resolve(scores, 1, 2, ScoreKind.Probabilities);

        Assert.Equal(ScoreKind.Probabilities, result.Kind);
        Assert.Equal(ScoreKindSource.Declared, result.Source);
    }

    [Fact]
    public void Resolve_DeclaredLogitsThatLookLikeProbabilities_KeepsLogits()
    {
        float[] scores = [0.25f, 0.75f];

        var result = ScoreKindDetector.Resolve(scores, 1, 2, ScoreKind.Logits);

        Assert.Equal(ScoreKind.Logits, result.Kind);
        Assert.Equal(ScoreKindSource.Declared, result.Source);
    }

    [Fact]
    public void Resolve_ShapeDoesNotMatchLength_Throws()
    {
        float[] scores = [0.25f, 0.75f, 0.5f];

        var ex = Assert.Throws<InvalidEvaluationRequestException>(
            () => ScoreKindDetector.Resolve(scores, 2, 2, ScoreKind.Auto));

        Assert.Equal("Scores hold 3 values but 2 rows x 2 columns need 4.", ex.Message);
    }
}
