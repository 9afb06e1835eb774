using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Schedulers;

namespace FunctionsOpt.Core.Tests.Search.Schedulers;

public sealed class HyperbandSchedulerTests
{
    private static HyperbandScheduler Create(ulong seed = 7, StoppingCriteria? stopping = null) =>
        new(SearchFakes.SmallSpace(), SearchFakes.LatencyObjective(), SearchFakes.Settings(81, seed, stopping), new HyperbandSettings(Eta: 3));

    [Fact]
    public void Suggest_AllTrialsSucceed_RungSizesFollowTable1()
    {
        var scheduler = Create();

        SearchFakes.Drive(scheduler);

        var rungs = scheduler.Trials.GroupBy(t => (t.Trial.Bracket, t.Trial.Rung))
            .ToDictionary(g => g.Key, g => (Count: g.Count(), Resource: g.Select(t => t.Trial.Resource).Distinct().Single()));
        Assert.Equal((81, 1.0), rungs[(4, 0)]);
        Assert.Equal((27, 3.0), rungs[(4, 1)]);
        Assert.Equal((1, 81.0), rungs[(4, 4)]);
        Assert.Equal((34, 3.0), rungs[(3, 0)]);
        Assert.Equal((11, 9.0), rungs[(3, 1)]);
        Assert.Equal((15, 9.0), rungs[(2, 0)]);
        Assert.Equal((2, 81.0), rungs[(1, 1)]);
        Assert.Equal((5, 81.0), rungs[(0, 0)]);
        Assert.Equal(StopReason.Exhausted, scheduler.StopReason);
    }

    [Fact]
    public void Suggest_SynchronousRung_ReturnsWholeRungThenWaits()
    {
        var scheduler = Create();

        var first = scheduler.Suggest(2, SearchFakes.T0);
        var second = scheduler.Suggest(2, SearchFakes.T0);

        Assert.Equal(81, first.Count);
        Assert.Empty(second);
    }

    [Fact]
    public void Suggest_PromotesTopThirdOfTheFinishedRung()
    {
        var scheduler = Create();
        var rung0 = scheduler.Suggest(1, SearchFakes.T0);
        var results = rung0.Select(t => SearchFakes.Evaluate(t)).ToArray();
        scheduler.Report(results);

        var rung1 = scheduler.Suggest(1, SearchFakes.T0);

        var expected = results.OrderBy(r => r.Metrics["latency"]).ThenBy(r => r.TrialId).Take(27).Select(r => r.TrialId);
        Assert.Equal(expected, rung1.Select(t => t.PromotedFrom!.Value));
        Assert.All(rung1, t => Assert.Equal(3.0, t.Resource));
        Assert.All(rung1, t => Assert.Equal(rung0[t.PromotedFrom!.Value].Configuration, t.Configuration));
    }

    [Fact]
    public void Report_FailedTrials_AreNeverPromoted()
    {
        var scheduler = Create();

        SearchFakes.Drive(scheduler, t => t.Configuration.Values["mode"].Text == "static"
            ? TrialResult.Failed(t.Id, "fake build failure")
            : SearchFakes.Evaluate(t));

        var failed = scheduler.Trials.Where(t => t.State == TrialState.Failed).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, t => Assert.False(t.Promoted));
        Assert.DoesNotContain(scheduler.Trials, t => t.Trial.PromotedFrom is { } p && scheduler.Trials[p].State != TrialState.Succeeded);
    }

    [Fact]
    public void Suggest_SameSeedSameReports_IdenticalSuggestions()
    {
        var a = SearchFakes.Drive(Create(seed: 99));
        var b = SearchFakes.Drive(Create(seed: 99));
        var c = SearchFakes.Drive(Create(seed: 100));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Restore_SavedMidway_ContinuesIdentically()
    {
        var reference = SearchFakes.Drive(Create());

        var scheduler = (ISearchScheduler)Create();
        var log = new List<string>();
        for (var round = 0; !scheduler.IsFinished; round++)
        {
            var batch = scheduler.Suggest(4, SearchFakes.T0);
            log.AddRange(batch.Select(SearchFakes.Describe));
            // Report only half of the batch before saving, so the saved state has pending trials.
            scheduler.Report(batch.Take(batch.Count / 2).Select(t => SearchFakes.Evaluate(t)).ToArray());
            var json = scheduler.SaveState();
            scheduler = SearchSchedulers.Restore(json, SearchFakes.SmallSpace(), SearchFakes.LatencyObjective());
            Assert.Equal(json, scheduler.SaveState());
            scheduler.Report(batch.Skip(batch.Count / 2).Select(t => SearchFakes.Evaluate(t)).ToArray());
        }

        Assert.Equal(reference, log);
    }

    [Fact]
    public void Restore_DifferentSpace_Throws()
    {
        var scheduler = Create();
        scheduler.Suggest(1, SearchFakes.T0);
        var json = scheduler.SaveState();

        Assert.Throws<InvalidOperationException>(() => SearchSchedulers.Restore(json, new FunctionsOpt.Core.Search.Space.SearchSpace([]), SearchFakes.LatencyObjective()));
    }

    [Fact]
    public void SaveState_IsSmall()
    {
        var scheduler = Create();
        SearchFakes.Drive(scheduler);

        // Roughly 150 trials with their metrics: a few hundred bytes each, far below a durable payload limit.
        Assert.InRange(scheduler.SaveState().Length, 1, 150_000);
    }
}
