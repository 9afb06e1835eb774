using System.Text;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.DurableTask;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// Ends a run: picks the best final result (the best-scoring one meeting every constraint, else the closest to the
/// bar, flagged best effort; without final results, the search's own best), copies its candidate to
/// <c>best/model.onnx</c>, writes <c>report.json</c> and <c>trials.csv</c> from the state record, and marks the record
/// terminal. Cancelled and failed runs keep their partial results. Idempotent: a re-run rewrites the same files.
/// </summary>
public sealed class FinishRunActivity(IArtifactStore store, RunWorkspace workspace, TimeProvider clock) : TaskActivity<FinishInput, RunSummary>
{
    /// <inheritdoc />
    public override async Task<RunSummary> RunAsync(TaskActivityContext context, FinishInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (await store.ReadStateAsync(input.RunId) is null)
        {
            await store.TryWriteStateAsync(RunState.Create(input.RunId, input.Spec, clock.GetUtcNow()), null);
        }

        var state = (await store.ReadStateAsync(input.RunId))!.State;

        string? bestId = null;
        var bestEffort = false;
        IReadOnlyList<string> judgments = [];
        IReadOnlyList<string> pareto = [];
        IReadOnlyList<string> excluded = [];
        if (state.Baseline is not null && input.SchedulerState is not null)
        {
            var prepared = await workspace.GetAsync(input.RunId, input.Spec);
            excluded = prepared.Space.Excluded.Select(e => $"{e.Pass}: {e.Reason}").ToArray();
            var objective = SpecMapper.Objective(input.Spec, state.Baseline.Metrics);
            var scheduler = SearchSchedulers.Restore(input.SchedulerState, prepared.Space.Space, objective);
            var outcome = SearchOutcome.From(scheduler, ParetoAxis.DefaultFor(objective));
            pareto = outcome.ParetoFront.Select(p => TrialRecords.SearchTrialId(p.Trial.Trial.Id)).ToArray();
            var finals = input.Finals
                .Where(f => f.Status == Core.Search.TrialStatus.Succeeded)
                .Select(f => (f.TrialId, Assessment: objective.Assess(TrialRecords.ToEngine(f), out _)))
                .Where(f => f.Assessment is not null)
                .ToList();
            var chosen = finals.Where(f => f.Assessment!.PointMeetsAll).OrderBy(f => f.Assessment!.Score).ThenBy(f => f.TrialId, StringComparer.Ordinal).FirstOrDefault();
            if (chosen.TrialId is null && finals.Count > 0)
            {
                chosen = finals.OrderBy(f => f.Assessment!.Shortfall).ThenBy(f => f.Assessment!.Score).First();
                bestEffort = true;
            }

            if (chosen.TrialId is not null)
            {
                bestId = chosen.TrialId;
                judgments = chosen.Assessment!.Judgments.Select(Describe).ToArray();
            }
            else if (outcome.Best is { } searchBest)
            {
                bestId = TrialRecords.SearchTrialId(searchBest.Trial.Id);
                bestEffort = outcome.IsBestEffort;
                judgments = searchBest.Assessment?.Judgments.Select(Describe).ToArray() ?? [];
            }
        }

        var best = bestId is null ? null : state.Trials.FirstOrDefault(t => t.TrialId == bestId);
        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (best?.CandidateHash is { } hash)
        {
            await using var candidate = await store.OpenReadAsync(ArtifactLayout.Candidate(input.RunId, hash));
            await store.UploadAsync(ArtifactLayout.BestModel(input.RunId), candidate);
            artifacts["bestModel"] = ArtifactLayout.BestModel(input.RunId).ToString();
        }

        var errors = input.Error is null ? state.Errors : [.. state.Errors, input.Error];
        var report = new RunReport
        {
            RunId = input.RunId,
            Status = input.Status,
            StopReason = input.StopReason,
            Baseline = state.Baseline?.Metrics ?? new Dictionary<string, double>(),
            Best = best,
            BestEffort = bestEffort,
            Constraints = judgments,
            Finals = state.Trials.Where(t => t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal)).ToArray(),
            ParetoFront = pareto,
            SearchTrials = state.Trials.Count(t => !t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal)),
            ExcludedPasses = excluded,
            Errors = errors,
        };
        await Upload(ArtifactLayout.Report(input.RunId), RunResultsWriter.ReportJson(report));
        artifacts["report"] = ArtifactLayout.Report(input.RunId).ToString();
        await Upload(ArtifactLayout.TrialsCsv(input.RunId), RunResultsWriter.TrialsCsv(state.Trials));
        artifacts["trials"] = ArtifactLayout.TrialsCsv(input.RunId).ToString();

        var now = clock.GetUtcNow();
        await store.UpdateStateAsync(input.RunId, s =>
        {
            var next = s with
            {
                Status = input.Status,
                BestTrialId = bestId,
                ParetoFront = pareto,
                CurrentRung = null,
                Errors = input.Error is null || s.Errors.Contains(input.Error) ? s.Errors : [.. s.Errors, input.Error],
                Timings = s.Timings with { CompletedAt = now },
            };
            return artifacts.Aggregate(next, (r, a) => r.WithArtifact(a.Key, a.Value));
        });
        workspace.Release(input.RunId);
        return new RunSummary(input.RunId, input.Status, bestId, bestEffort, input.Error);
    }

    private static string Describe(ConstraintJudgment j) =>
        FormattableString.Invariant($"{j.Constraint}: {j.Value:G6} vs bar {j.Bar:G6} ({j.Verdict}, n={j.SampleCount})");

    private async Task Upload(ArtifactPath path, string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await store.UploadAsync(path, stream);
    }
}
