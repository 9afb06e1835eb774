using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;

namespace FunctionsOpt.Core.Tests.Search.Objectives;

public sealed class SearchConstraintTests
{
    [Fact]
    public void WilsonInterval_P09N100_MatchesHandComputation()
    {
        // center = (0.9 + 1.96^2/200) / (1 + 1.96^2/100); half = 1.96/(1 + 1.96^2/100) * sqrt(0.09/100 + 1.96^2/40000).
        var (lower, upper) = SearchConstraint.WilsonInterval(0.9, 100, 1.96);

        Assert.Equal(0.8256326956323347, lower, 12);
        Assert.Equal(0.9447714583868639, upper, 12);
    }

    [Fact]
    public void Judge_PointBelowBarWithinNoise_IsUncertainNotViolated()
    {
        var constraint = new QualityDropConstraint(MetricNames.Accuracy, Baseline: 0.95, MaxDrop: 0.01);

        var judgment = constraint.Judge(0.93, 100, 1.96);

        Assert.Equal(0.94, judgment.Bar, 12);
        Assert.Equal(ConstraintVerdict.Uncertain, judgment.Verdict);
        Assert.False(judgment.PointMeets);
        Assert.Equal(0.01, judgment.Shortfall, 12);
        Assert.True(judgment.Lower < 0.94 && judgment.Upper > 0.94);
    }

    [Fact]
    public void Judge_PointBelowBarLargeSample_Violates() =>
        Assert.Equal(ConstraintVerdict.Violates, new QualityDropConstraint(MetricNames.Accuracy, 0.95, 0.01).Judge(0.93, 100_000, 1.96).Verdict);

    [Fact]
    public void Judge_PointAboveBarWithinNoise_IsUncertainButPointMeets()
    {
        var judgment = new QualityDropConstraint(MetricNames.Accuracy, 0.95, 0.01).Judge(0.945, 200, 1.96);

        Assert.Equal(ConstraintVerdict.Uncertain, judgment.Verdict);
        Assert.True(judgment.PointMeets);
    }

    [Fact]
    public void Judge_ClearlyAboveBar_Meets() =>
        Assert.Equal(ConstraintVerdict.Meets, new QualityDropConstraint(MetricNames.Accuracy, 0.95, 0.01).Judge(0.99, 1000, 1.96).Verdict);

    [Fact]
    public void Bar_RelativeDrop_IsBaselineTimesOneMinusDrop() =>
        Assert.Equal(0.9405, new QualityDropConstraint(MetricNames.F1Macro, 0.95, 0.01, DropKind.Relative).Bar, 12);

    [Fact]
    public void Judge_SizeLimit_IsExact()
    {
        var constraint = MetricLimitConstraint.SizeAtMostMegabytes(2);

        Assert.Equal(ConstraintVerdict.Meets, constraint.Judge(2_000_000, 10, 1.96).Verdict);
        Assert.Equal(ConstraintVerdict.Violates, constraint.Judge(2_000_001, 10_000, 1.96).Verdict);
    }

    [Fact]
    public void Assess_MissingConstraintMetric_ReturnsNullWithProblem()
    {
        var objective = SearchObjective.Minimize("latency", [new QualityDropConstraint(MetricNames.Accuracy, 0.9, 0.01)]);

        var assessment = objective.Assess(new TrialResult { TrialId = 0, Metrics = new Dictionary<string, double> { ["latency"] = 1 } }, out var problem);

        Assert.Null(assessment);
        Assert.Contains(MetricNames.Accuracy, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Score_WeightedScalarization_SumsSignedScaledTerms()
    {
        var objective = new SearchObjective(
        [
            new ObjectiveTerm("latency", MetricGoal.Minimize, Weight: 0.5, Scale: 10),
            new ObjectiveTerm("throughput", MetricGoal.Maximize, Weight: 2, Scale: 100),
        ]);

        // 0.5 * 5 / 10 - 2 * 300 / 100 = 0.25 - 6 = -5.75
        Assert.Equal(-5.75, objective.Score(new Dictionary<string, double> { ["latency"] = 5, ["throughput"] = 300 }), 12);
    }
}
