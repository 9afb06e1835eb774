using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Tests.Search.Schedulers;

public sealed class SuccessiveHalvingSchedulerTests
{
    private static readonly SearchSpace Space = new([new CategoricalParameter("c", ["fast-noisy", "medium", "bad"])]);

    private static readonly SearchObjective Objective =
        SearchObjective.Minimize("latency", [new QualityDropConstraint(MetricNames.Accuracy, Baseline: 0.95, MaxDrop: 0.01)]);

    /// <summary>"fast-noisy" measures 0.93 accuracy (1 point under the bar); "bad" is clearly below it at any sample size.</summary>
    private static TrialResult Evaluate(Trial t) => new()
    {
        TrialId = t.Id,
        Metrics = t.Configuration.Values["c"].Text switch
        {
            "fast-noisy" => new Dictionary<string, double> { ["latency"] = 1, [MetricNames.Accuracy] = 0.93 },
            "medium" => new Dictionary<string, double> { ["latency"] = 2, [MetricNames.Accuracy] = 0.99 },
            _ => new Dictionary<string, double> { ["latency"] = 0.5, [MetricNames.Accuracy] = 0.30 },
        },
        // 100 rows at the low rung, 100 000 at the full one.
        SampleCount = t.Rung == 0 ? 100 : 100_000,
    };

    [Fact]
    public void Suggest_PointBelowBarWithinNoise_IsPromotedAndTheFullRungDecides()
    {
        var scheduler = new SuccessiveHalvingScheduler(Space, Objective, SearchFakes.Settings(3), new SuccessiveHalvingSettings(Configurations: 3, Eta: 3, S: 1));

        SearchFakes.Drive(scheduler, Evaluate);

        var rung0 = scheduler.Trials.Where(t => t.Trial.Rung == 0).ToList();
        Assert.Equal(["bad", "fast-noisy", "medium"], rung0.Select(t => t.Trial.Configuration.Values["c"].Text).Order(StringComparer.Ordinal));
        Assert.Equal(ConstraintVerdict.Uncertain, rung0.Single(t => t.Trial.Configuration.Values["c"].Text == "fast-noisy").Assessment!.Verdict);
        Assert.Equal(ConstraintVerdict.Violates, rung0.Single(t => t.Trial.Configuration.Values["c"].Text == "bad").Assessment!.Verdict);
        var promoted = Assert.Single(scheduler.Trials, t => t.Trial.Rung == 1);
        Assert.Equal("fast-noisy", promoted.Trial.Configuration.Values["c"].Text);
        Assert.Equal(ConstraintVerdict.Violates, promoted.Assessment!.Verdict);

        var outcome = SearchOutcome.From(scheduler, ParetoAxis.DefaultFor(Objective));
        Assert.True(outcome.IsBestEffort);
        Assert.Equal(0.01 / 0.94, outcome.DistanceToBar, 12);
    }
}
