using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Tests.Search;

public sealed class SearchOutcomeTests
{
    private static readonly SearchObjective Objective =
        SearchObjective.Minimize("latency", [new QualityDropConstraint(MetricNames.Accuracy, Baseline: 0.95, MaxDrop: 0.01)]);

    private static TrialRecord Record(int id, double latency, double accuracy, double size, double resource = 81, int samples = 100_000)
    {
        var configuration = new SearchConfiguration(new Dictionary<string, ParameterValue> { ["id"] = ParameterValue.Of((long)id) });
        var trial = new Trial
        {
            Id = id,
            Configuration = configuration,
            Bracket = 0,
            Rung = 0,
            Resource = resource,
            ResourceFraction = resource / 81,
            Budget = new TrialBudgetPolicy().For(resource / 81),
        };
        var result = new TrialResult
        {
            TrialId = id,
            Metrics = new Dictionary<string, double> { ["latency"] = latency, [MetricNames.Accuracy] = accuracy, [MetricNames.SizeBytes] = size },
            SampleCount = samples,
        };
        return new TrialRecord(trial, TrialState.Succeeded, result, Objective.Assess(result, out _), false);
    }

    [Fact]
    public void From_SomeMeetTheBar_PicksFastestMeetingOne()
    {
        TrialRecord[] trials =
        [
            Record(0, latency: 5, accuracy: 0.90, size: 100),  // fastest, violates
            Record(1, latency: 7, accuracy: 0.945, size: 100), // meets
            Record(2, latency: 9, accuracy: 0.95, size: 100),  // meets, slower
            Record(3, latency: 1, accuracy: 0.99, size: 100, resource: 9), // low rung: never final
        ];

        var outcome = SearchOutcome.From(trials, 81, ParetoAxis.DefaultFor(Objective));

        Assert.Equal(1, outcome.Best!.Trial.Id);
        Assert.False(outcome.IsBestEffort);
        Assert.True(outcome.FullBudget);
        Assert.Equal(0, outcome.DistanceToBar);
    }

    [Fact]
    public void From_NoneMeetTheBar_FlagsClosestAsBestEffortWithDistance()
    {
        TrialRecord[] trials =
        [
            Record(0, latency: 5, accuracy: 0.80, size: 100),
            Record(1, latency: 7, accuracy: 0.93, size: 100),
            Record(2, latency: 9, accuracy: 0.90, size: 100),
        ];

        var outcome = SearchOutcome.From(trials, 81, ParetoAxis.DefaultFor(Objective));

        Assert.Equal(1, outcome.Best!.Trial.Id);
        Assert.True(outcome.IsBestEffort);
        // Bar 0.94; shortfall 0.01, relative to the bar: 0.01 / 0.94.
        Assert.Equal(0.01 / 0.94, outcome.DistanceToBar, 12);
    }

    [Fact]
    public void From_MeetsOnlyWithinNoise_IsAcceptedButFlagged()
    {
        var outcome = SearchOutcome.From([Record(0, latency: 5, accuracy: 0.942, size: 100, samples: 500)], 81, ParetoAxis.DefaultFor(Objective));

        Assert.False(outcome.IsBestEffort);
        Assert.True(outcome.WithinNoise);
    }

    [Fact]
    public void From_NoFullBudgetResult_BestEffortFromHighestRung()
    {
        var outcome = SearchOutcome.From([Record(0, 5, 0.99, 100, resource: 3), Record(1, 4, 0.99, 100, resource: 9)], 81, ParetoAxis.DefaultFor(Objective));

        Assert.Equal(1, outcome.Best!.Trial.Id);
        Assert.True(outcome.IsBestEffort);
        Assert.False(outcome.FullBudget);
    }

    [Fact]
    public void ComputeParetoFront_HandMadePoints_KeepsExactlyTheNonDominated()
    {
        TrialRecord[] trials =
        [
            Record(0, latency: 10, accuracy: 0.90, size: 100), // front
            Record(1, latency: 8, accuracy: 0.85, size: 100),  // front: fastest
            Record(2, latency: 10, accuracy: 0.89, size: 100), // dominated by 0
            Record(3, latency: 12, accuracy: 0.95, size: 50),  // front: most accurate and smallest
            Record(4, latency: 12, accuracy: 0.95, size: 60),  // dominated by 3
            Record(5, latency: 13, accuracy: 0.94, size: 50),  // dominated by 3
        ];

        var front = SearchOutcome.ComputeParetoFront(trials, ParetoAxis.DefaultFor(Objective));

        Assert.Equal([1, 0, 3], front.Select(p => p.Trial.Trial.Id));
        Assert.Equal([8.0, 0.85, 100.0], front[0].Values);
    }

    [Fact]
    public void DefaultFor_Objective_PrimaryQualityAndSize()
    {
        Assert.Equal(
            [new ParetoAxis("latency", MetricGoal.Minimize), new ParetoAxis(MetricNames.Accuracy, MetricGoal.Maximize), new ParetoAxis(MetricNames.SizeBytes, MetricGoal.Minimize)],
            ParetoAxis.DefaultFor(Objective));
    }
}
