using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class ReportModelBuilderTests
{
    [Fact]
    public void Build_SampleRun_OnePointPerConfigurationAtItsLargestResourceFinalFirst()
    {
        var report = ReportModelBuilder.Build(ReportSamples.Completed());

        // Configurations with metrics: "no passes" (t0 at r=3, t4 at r=9) and "dynamic" (t1 r=3, t3 r=9, final-0 r=9);
        // fp16 (t2) is invalid and has no point.
        Assert.Equal(["t4", "final-0"], report.Pareto.Points.Select(p => p.TrialId));
        var chosen = Assert.Single(report.Pareto.Points, p => p.Chosen);
        Assert.Equal("final-0", chosen.TrialId);
        Assert.Equal(0.55, chosen.X);
        Assert.Equal(0.978, chosen.Y);
        Assert.Equal(300, chosen.Size);
        // t4 is slower and larger but more accurate: neither dominates the other.
        Assert.All(report.Pareto.Points, p => Assert.False(p.Dominated));
    }

    [Fact]
    public void Build_DominatedConfiguration_IsFlagged()
    {
        var state = ReportSamples.Completed();
        var worse = state.Trials[4] with { Metrics = ReportSamples.Metrics(0.97, 1.1, 1000) };
        var report = ReportModelBuilder.Build(state.WithTrial(worse));

        Assert.True(report.Pareto.Points.Single(p => p.TrialId == "t4").Dominated);
        Assert.False(report.Pareto.Points.Single(p => p.TrialId == "final-0").Dominated);
    }

    [Fact]
    public void Build_SampleRun_HyperbandRungsBudgetsAndPromotions()
    {
        var hyperband = ReportModelBuilder.Build(ReportSamples.Completed()).Hyperband;

        Assert.Equal([1, 0], hyperband.Brackets.Select(b => b.Bracket));
        var s1 = hyperband.Brackets[0].Rungs;
        Assert.Equal(["t0", "t1", "t2"], s1[0].Trials);
        Assert.Equal(9, s1[0].Budget);
        Assert.Equal(["t1"], s1[0].Promoted);
        Assert.Equal(["t3"], s1[1].Trials);
        Assert.Equal(["t3"], s1[1].Promoted);
        Assert.Equal(["t4"], Assert.Single(hyperband.Brackets[1].Rungs).Trials);
        Assert.Equal(["final-0"], hyperband.Finals);
        Assert.Equal(3, hyperband.Eta);
        Assert.Equal(9, hyperband.MaxResource);
    }

    [Fact]
    public void Build_SampleRun_PassEffectsAreMedianOnMinusMedianOffWhenOutsideNoise()
    {
        var effects = ReportModelBuilder.Build(ReportSamples.Completed()).PassEffects;

        // quantize-dynamic on: t1, t3, final-0 (latency ratio-1: -0.4, -0.5, -0.45; accuracy delta -0.005, -0.001, -0.002)
        // off: t0, t4 (latency 0, +0.1; accuracy -0.01, 0).
        var dynamic = effects.Single(e => e.Pass == "quantize-dynamic");
        Assert.Equal(3, dynamic.TrialsOn);
        Assert.Equal(2, dynamic.TrialsOff);
        Assert.Equal(-0.45 - 0.05, dynamic.LatencyChange!.Value, 9);
        Assert.Equal(-0.7 - 0.0, dynamic.SizeChange!.Value, 9);
        // Accuracy: on {-0.005,-0.001,-0.002} vs off {-0.01, 0}: resampled off-medians span -0.01..0, so the
        // difference's interval runs from about -0.005 to +0.009 and includes zero: within noise, not shown.
        Assert.Null(dynamic.QualityChange);
        var fp16 = effects.Single(e => e.Pass == "fp16");
        Assert.Equal(0, fp16.TrialsOn);
        Assert.Null(fp16.LatencyChange);
    }

    [Fact]
    public void Build_SampleRun_HeadlineComparesBaselineAndBest()
    {
        var headline = ReportModelBuilder.Build(ReportSamples.Completed()).Headline;

        Assert.Equal("final-0", headline.BestTrialId);
        Assert.True(headline.ConstraintsMet);
        Assert.False(headline.BestEffort);
        Assert.Equal(["quantize-dynamic"], headline.Passes);
        var latency = headline.Rows.Single(r => r.Metric == "latency.p50.ms@1");
        Assert.Equal(1.0, latency.Baseline);
        Assert.Equal(0.55, latency.Best);
        Assert.Equal(0.55, latency.Ratio!.Value, 12);
        Assert.Null(headline.Rows.Single(r => r.Metric == "memory.peak.bytes").Best);
    }

    [Fact]
    public void Build_BestEffortOutcome_ConstraintsNotMet()
    {
        var state = ReportSamples.Completed();
        var report = ReportModelBuilder.Build(state with { Outcome = state.Outcome! with { BestEffort = true } });

        Assert.True(report.Headline.BestEffort);
        Assert.False(report.Headline.ConstraintsMet);
    }

    [Fact]
    public void ParseConfiguration_TextValueWithSemicolon_KeepsItAndDropsTypePrefixes()
    {
        var parameters = ReportModelBuilder.ParseConfiguration(ReportSamples.Fp16);

        Assert.Equal("a;b|c", parameters["fp16.block-list"]);
        Assert.Equal("true", parameters["fp16.enabled"]);
        Assert.Equal("false", parameters["quantize-dynamic.enabled"]);
        Assert.Equal(3, parameters.Count);
    }

    [Theory]
    [InlineData(new[] { 3.0 }, 3.0)]
    [InlineData(new[] { 4.0, 1.0, 2.0 }, 2.0)]
    [InlineData(new[] { 4.0, 1.0, 2.0, 10.0 }, 3.0)]
    public void Median_Values_MiddleOrMeanOfMiddles(double[] values, double expected) =>
        Assert.Equal(expected, ReportModelBuilder.Median(values));
}
