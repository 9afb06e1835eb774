using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.DurableTask;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// One step of the search: restores the scheduler from its saved state (or creates it from the spec), reports the
/// previous rung's results, and asks for the next trials. When the search is over it also names the top
/// configurations for the final full-budget evaluation. A pure function of its input and the run's baseline, so a
/// replayed or re-delivered step gives the same answer.
/// </summary>
public sealed class SchedulerStepActivity(IArtifactStore store, RunWorkspace workspace) : TaskActivity<SchedulerStepInput, SchedulerStepOutput>
{
    /// <inheritdoc />
    public override async Task<SchedulerStepOutput> RunAsync(TaskActivityContext context, SchedulerStepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var prepared = await workspace.GetAsync(input.RunId, input.Spec);
        var objective = await ObjectiveAsync(store, input.RunId, input.Spec);
        var scheduler = input.SchedulerState is null
            ? SpecMapper.CreateScheduler(input.Spec, prepared.Space.Space, objective, workspace.Options)
            : SearchSchedulers.Restore(input.SchedulerState, prepared.Space.Space, objective);
        if (input.Results.Count > 0)
        {
            scheduler.Report(input.Results.Select(TrialRecords.ToEngine).ToArray());
        }

        var trials = scheduler.Suggest(Math.Max(1, input.FreeWorkers), input.Now);
        var outcome = SearchOutcome.From(scheduler, ParetoAxis.DefaultFor(objective));
        var best = outcome.Best is { Assessment: { } a } b
            ? new BestSoFar(TrialRecords.SearchTrialId(b.Trial.Id), a.Score, b.Result!.Metrics[objective.Terms[0].Metric], a.PointMeetsAll)
            : null;
        var policy = SpecMapper.Settings(input.Spec, workspace.Options).Budget;
        return new SchedulerStepOutput
        {
            SchedulerState = scheduler.SaveState(),
            Trials = trials.Select(TrialRecords.Work).ToArray(),
            Finished = scheduler.IsFinished,
            StopReason = scheduler.StopReason?.ToString(),
            TrialsSuggested = scheduler.Trials.Count,
            TrialsReported = scheduler.Trials.Count(t => t.State != TrialState.Pending),
            Best = best,
            Finals = scheduler.IsFinished ? Finals(scheduler, policy.For(1.0), workspace.Options.FinalTopK) : [],
        };
    }

    /// <summary>The objective with constraints relative to the baseline in the run's state record.</summary>
    internal static async Task<SearchObjective> ObjectiveAsync(IArtifactStore store, string runId, OptimizationSpec spec)
    {
        var state = (await store.ReadStateAsync(runId))?.State ?? throw new ArtifactNotFoundException(ArtifactLayout.State(runId));
        var baseline = state.Baseline ?? throw new InvalidOperationException($"Run '{runId}' has no baseline yet; the baseline is profiled before the search.");
        return SpecMapper.Objective(spec, baseline.Metrics);
    }

    /// <summary>
    /// The top <paramref name="k"/> distinct configurations: succeeded trials at the highest resource each
    /// configuration reached, those meeting every constraint first, then by the optimistic end of the score's interval
    /// (an uncertain configuration reaches the verdict, which decides it), then by score.
    /// </summary>
    private static TrialWork[] Finals(ISearchScheduler scheduler, TrialBudget full, int k) =>
        scheduler.Trials
            .Where(t => t.State == TrialState.Succeeded && t.Assessment is not null)
            .GroupBy(t => t.Trial.Configuration.Hash, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(t => t.Trial.Resource).ThenBy(t => t.Trial.Id).First())
            .OrderByDescending(t => t.Trial.Resource)
            .ThenByDescending(t => t.Assessment!.PointMeetsAll)
            .ThenBy(t => t.Assessment!.OptimisticScore)
            .ThenBy(t => t.Assessment!.Score)
            .ThenBy(t => t.Trial.Id)
            .Take(k)
            .Select((t, rank) => new TrialWork
            {
                TrialId = RunResultsWriter.FinalPrefix + rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
                SchedulerTrialId = rank,
                Configuration = t.Trial.Configuration.ToCanonical(),
                Rung = t.Trial.Rung,
                Bracket = t.Trial.Bracket,
                PromotedFrom = TrialRecords.SearchTrialId(t.Trial.Id),
                Resource = scheduler.MaxResource,
                SampleFraction = full.EvaluationSampleFraction,
                LatencyIterations = full.LatencyIterations,
                CalibrationSamples = full.CalibrationSamples,
            })
            .ToArray();
}
