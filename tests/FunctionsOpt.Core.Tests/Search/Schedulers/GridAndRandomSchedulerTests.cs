using FunctionsOpt.Core.Search.Schedulers;

namespace FunctionsOpt.Core.Tests.Search.Schedulers;

public sealed class GridAndRandomSchedulerTests
{
    [Fact]
    public void Grid_Drive_EvaluatesEveryGridPointOnceAtFullResource()
    {
        var scheduler = new GridScheduler(SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(27));

        SearchFakes.Drive(scheduler, workers: 5);

        Assert.Equal(48, scheduler.Trials.Count);
        Assert.Equal(48, scheduler.Trials.Select(t => t.Trial.Configuration.Hash).Distinct().Count());
        Assert.All(scheduler.Trials, t => Assert.Equal(1.0, t.Trial.ResourceFraction));
        Assert.Equal(48 * 27.0, scheduler.ResourceSpent);
    }

    [Fact]
    public void Grid_Suggest_ReturnsAtMostFreeWorkers()
    {
        var scheduler = new GridScheduler(SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(27));

        Assert.Equal(3, scheduler.Suggest(3, SearchFakes.T0).Count);
        Assert.Empty(scheduler.Suggest(0, SearchFakes.T0));
    }

    [Fact]
    public void Random_SameSeed_IdenticalSuggestionsAndDistinctWhereSpaceAllows()
    {
        RandomScheduler Create(ulong seed) => new(SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(27, seed), new RandomSettings(20));

        var a = SearchFakes.Drive(Create(5));
        var b = SearchFakes.Drive(Create(5));
        var scheduler = Create(5);
        SearchFakes.Drive(scheduler);

        Assert.Equal(a, b);
        Assert.Equal(20, scheduler.Trials.Select(t => t.Trial.Configuration.Hash).Distinct().Count());
    }

    [Fact]
    public void Stopping_MaxTrials_StopsAtTheLimit()
    {
        var scheduler = new GridScheduler(SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(27, stopping: new StoppingCriteria { MaxTrials = 10 }));

        SearchFakes.Drive(scheduler, workers: 4);

        Assert.Equal(10, scheduler.Trials.Count);
        Assert.Equal(StopReason.MaxTrials, scheduler.StopReason);
    }

    [Fact]
    public void Stopping_MaxTotalResource_NeverExceedsTheLimit()
    {
        var scheduler = new HyperbandScheduler(
            SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(81, stopping: new StoppingCriteria { MaxTotalResource = 500 }), new HyperbandSettings());

        SearchFakes.Drive(scheduler);

        Assert.Equal(StopReason.MaxTotalResource, scheduler.StopReason);
        Assert.InRange(scheduler.ResourceSpent, 400, 500);
    }

    [Fact]
    public void Stopping_MaxWallTime_StopsOnceTheExplicitClockPassesIt()
    {
        var scheduler = new RandomScheduler(
            SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(27, stopping: new StoppingCriteria { MaxWallTime = TimeSpan.FromMinutes(10) }), new RandomSettings(1000));

        var early = scheduler.Suggest(1, SearchFakes.T0);
        scheduler.Report([SearchFakes.Evaluate(early[0])]);
        var late = scheduler.Suggest(1, SearchFakes.T0.AddMinutes(10));

        Assert.Single(early);
        Assert.Empty(late);
        Assert.True(scheduler.IsFinished);
        Assert.Equal(StopReason.MaxWallTime, scheduler.StopReason);
    }

    [Fact]
    public void Stopping_TargetMet_StopsAfterAFullBudgetResultReachesIt()
    {
        var objective = FunctionsOpt.Core.Search.Objectives.SearchObjective.Minimize("latency", target: 100.0);
        var scheduler = new GridScheduler(SearchFakes.SmallSpace(), objective, SearchFakes.Settings(27));

        SearchFakes.Drive(scheduler, workers: 2);

        Assert.Equal(StopReason.TargetMet, scheduler.StopReason);
        Assert.Equal(2, scheduler.Trials.Count);
    }
}
