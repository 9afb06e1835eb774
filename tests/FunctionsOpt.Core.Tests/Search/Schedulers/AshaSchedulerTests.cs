using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Schedulers;

namespace FunctionsOpt.Core.Tests.Search.Schedulers;

public sealed class AshaSchedulerTests
{
    private static AshaScheduler Create(ulong seed = 7, int maxConfigurations = 30) =>
        new(SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(9, seed), new AshaSettings(MinResource: 1, Eta: 3, MaxConfigurations: maxConfigurations));

    [Fact]
    public void Constructor_R9r1Eta3_RungsAt1And3And9()
    {
        var scheduler = Create();

        Assert.Equal(2, scheduler.TopRung);
        Assert.Equal([1.0, 3.0, 9.0], scheduler.RungResources);
    }

    [Fact]
    public void Suggest_ThreeResultsInRungZero_PromotesBestWhileOthersStillRun()
    {
        var scheduler = Create();
        var first = scheduler.Suggest(4, SearchFakes.T0);
        var reported = first.Take(3).Select(t => SearchFakes.Evaluate(t)).ToArray();
        scheduler.Report(reported);

        var next = Assert.Single(scheduler.Suggest(1, SearchFakes.T0));

        Assert.Equal(4, first.Count);
        Assert.Equal(TrialState.Pending, scheduler.Trials[first[3].Id].State);
        Assert.Equal(1, next.Rung);
        Assert.Equal(3.0, next.Resource);
        Assert.Equal(reported.OrderBy(r => r.Metrics["latency"]).ThenBy(r => r.TrialId).First().TrialId, next.PromotedFrom);
    }

    [Fact]
    public void Suggest_RungZeroAllFailed_DrawsFreshInsteadOfPromoting()
    {
        var scheduler = Create();
        var first = scheduler.Suggest(3, SearchFakes.T0);
        scheduler.Report(first.Select(t => TrialResult.Failed(t.Id, "boom")).ToArray());

        var next = scheduler.Suggest(3, SearchFakes.T0);

        Assert.All(next, t => Assert.Equal(0, t.Rung));
        Assert.All(next, t => Assert.Null(t.PromotedFrom));
    }

    [Fact]
    public void Drive_FailuresNeverPromotedAndRunFinishes()
    {
        var scheduler = Create();

        SearchFakes.Drive(scheduler, t => t.Configuration.Values["threads"].Integer == 2 ? TrialResult.Invalid(t.Id, "bad") : SearchFakes.Evaluate(t), workers: 3);

        Assert.Equal(StopReason.Exhausted, scheduler.StopReason);
        Assert.Equal(30, scheduler.Trials.Count(t => t.Trial.Rung == 0));
        Assert.Contains(scheduler.Trials, t => t.Trial.Rung == 2);
        Assert.All(scheduler.Trials.Where(t => t.State == TrialState.Invalid), t => Assert.False(t.Promoted));
    }

    [Fact]
    public void Restore_SavedMidway_ContinuesIdentically()
    {
        var reference = SearchFakes.Drive(Create(seed: 3), workers: 2);

        ISearchScheduler scheduler = Create(seed: 3);
        var log = new List<string>();
        while (!scheduler.IsFinished)
        {
            var batch = scheduler.Suggest(2, SearchFakes.T0);
            log.AddRange(batch.Select(SearchFakes.Describe));
            scheduler = SearchSchedulers.Restore(scheduler.SaveState(), SearchFakes.SmallSpace(), SearchFakes.LatencyObjective());
            scheduler.Report(batch.Select(t => SearchFakes.Evaluate(t)).ToArray());
        }

        Assert.Equal(reference, log);
    }

    [Fact]
    public void Constructor_Unbounded_Throws() =>
        Assert.Throws<ArgumentException>(() => new AshaScheduler(SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(9), new AshaSettings()));
}
