using System.Text;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using FunctionsOpt.Orchestration.Reporting;
using Microsoft.DurableTask;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// Ends a run: for a completed run, recommends what the final verdict (<see cref="JudgeFinalistsActivity"/>) chose,
/// the original model included; otherwise picks the best final result (the best-scoring one meeting every
/// constraint, else the closest to the bar, flagged best effort; without final results, the search's own best); copies its candidate to
/// <c>best/model.onnx</c>; for a completed run also times it over batch sizes (once per candidate, kept in the record)
/// and copies it into the Triton repository; then renders every report and serving file from the final state record
/// (<see cref="RunResultsWriter"/>), uploads them and marks the record terminal. Cancelled and failed runs keep their
/// partial results and still get their reports. Idempotent: a re-run rewrites the same files.
/// </summary>
public sealed class FinishRunActivity(IArtifactStore store, RunWorkspace workspace, ThroughputCurveProfiler curve, TimeProvider clock) : TaskActivity<FinishInput, RunSummary>
{
    /// <inheritdoc />
    public override async Task<RunSummary> RunAsync(TaskActivityContext context, FinishInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // A run that has ended is never rewritten (a redelivered finish, or a rerun of a finished run's id): its stored
        // record is the answer.
        if ((await store.ReadStateAsync(input.RunId))?.State is { IsTerminal: true } ended)
        {
            return new RunSummary(ended.RunId, ended.Status, ended.BestTrialId, ended.Outcome?.BestEffort ?? false, ended.Errors.Count > 0 ? ended.Errors[^1] : null);
        }

        if (await store.ReadStateAsync(input.RunId) is null)
        {
            await store.TryWriteStateAsync(RunState.Create(input.RunId, input.Spec, clock.GetUtcNow()), null);
        }

        var state = (await store.ReadStateAsync(input.RunId))!.State;

        string? bestId = null;
        var bestEffort = false;
        IReadOnlyList<ConstraintCheck> judgments = [];
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

            if (input.Status == RunStatus.Completed && state.Verdict is { } verdict)
            {
                // The verdict re-measured the finalists against the original; its recommendation is final, and
                // the original itself when nothing is measurably better.
                bestId = verdict.RecommendedTrialId;
                bestEffort = false;
                judgments = finals.FirstOrDefault(f => f.TrialId == bestId).Assessment?.Judgments.Select(Check).ToArray() ?? [];
            }
            else if (chosen.TrialId is not null)
            {
                bestId = chosen.TrialId;
                judgments = chosen.Assessment!.Judgments.Select(Check).ToArray();
            }
            else if (outcome.Best is { } searchBest)
            {
                bestId = TrialRecords.SearchTrialId(searchBest.Trial.Id);
                bestEffort = outcome.IsBestEffort;
                judgments = searchBest.Assessment?.Judgments.Select(Check).ToArray() ?? [];
            }
        }

        var best = bestId is null ? null : state.Trials.FirstOrDefault(t => t.TrialId == bestId);
        var keepsOriginal = input.Status == RunStatus.Completed && state.Verdict is { KeepsOriginal: true };
        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal);
        ServingProfile? serving = state.Serving;
        if ((keepsOriginal ? state.Verdict!.OriginalHash : best?.CandidateHash) is { } hash)
        {
            await using (var candidate = await store.OpenReadAsync(ArtifactLayout.Candidate(input.RunId, hash)))
            {
                await store.UploadAsync(ArtifactLayout.BestModel(input.RunId), candidate);
            }

            artifacts["bestModel"] = ArtifactLayout.BestModel(input.RunId).ToString();
            var external = await ExternalDataOfAsync(input, hash);
            await UploadBesideAsync(input.RunId, "best/", external);
            if (input.Status == RunStatus.Completed && state.SourceModel is { } source)
            {
                if (serving?.CandidateHash != hash)
                {
                    serving = await MeasureServingAsync(input, hash);
                }

                var tritonModel = ArtifactLayout.RunFile(input.RunId, TritonConfig.ModelPath(source.Name));
                await using (var candidate = await store.OpenReadAsync(ArtifactLayout.Candidate(input.RunId, hash)))
                {
                    await store.UploadAsync(tritonModel, candidate);
                }

                artifacts["tritonModel"] = tritonModel.ToString();
                await UploadBesideAsync(input.RunId, TritonConfig.ModelPath(source.Name)[..(TritonConfig.ModelPath(source.Name).LastIndexOf('/') + 1)], external);
            }
        }

        var runOutcome = new RunOutcome { BestEffort = bestEffort, StopReason = input.StopReason, Constraints = judgments, ExcludedPasses = excluded };
        var now = clock.GetUtcNow();
        RunState Finished(RunState s, IReadOnlyDictionary<string, string> names)
        {
            var next = s with
            {
                Status = input.Status,
                BestTrialId = bestId,
                ParetoFront = pareto,
                CurrentRung = null,
                Outcome = runOutcome,
                Serving = serving,
                Errors = input.Error is null || s.Errors.Contains(input.Error) ? s.Errors : [.. s.Errors, input.Error],
                Timings = s.Timings with { CompletedAt = s.Timings.CompletedAt ?? now },
            };
            return names.Aggregate(next, (r, a) => r.WithArtifact(a.Key, a.Value));
        }

        // Render from the record as it will be stored, upload, then store it: a crash in between re-runs this activity,
        // which renders the same files again.
        var files = RunResultsWriter.Render(Finished(state, artifacts));
        foreach (var file in files)
        {
            var path = ArtifactLayout.RunFile(input.RunId, file.RelativePath);
            await Upload(path, file.Text);
            artifacts[file.ArtifactName] = path.ToString();
        }

        await store.UpdateStateAsync(input.RunId, s => Finished(s, artifacts));
        workspace.Release(input.RunId);
        return new RunSummary(input.RunId, input.Status, bestId, bestEffort, input.Error);
    }

    private async Task<ServingProfile> MeasureServingAsync(FinishInput input, string hash)
    {
        var prepared = await workspace.GetAsync(input.RunId, input.Spec);
        var local = Path.Combine(prepared.WorkDirectory, "serving-" + hash[..16] + ".onnx");
        await store.DownloadToFileAsync(ArtifactLayout.Candidate(input.RunId, hash), local);
        foreach (var (location, file) in await ExternalDataOfAsync(input, hash))
        {
            // A candidate whose weights stay in the source model's external-data file needs that file beside it.
            var target = Path.Combine(prepared.WorkDirectory, location);
            if (!File.Exists(target))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        try
        {
            var profile = await curve.MeasureAsync(local, prepared.Data.Evaluation, prepared.Settings);
            return new ServingProfile
            {
                CandidateHash = hash,
                Provider = TrialRecords.Usage(profile.Provider),
                Batches = profile.Batches.Select(b => new ThroughputPoint { BatchSize = b.BatchSize, P50Ms = b.P50Ms, P95Ms = b.P95Ms, ThroughputPerSecond = b.ThroughputPerSecond }).ToArray(),
                Skipped = profile.Skipped.Select(k => FormattableString.Invariant($"{k.BatchSize}: {k.Reason}")).ToArray(),
            };
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary>
    /// The external-data files a candidate names that sit beside the run's source model (location, local file):
    /// candidates that keep the source's weights where they were (the unmodified model, or passes that leave those
    /// tensors alone) are incomplete without them. Locations that are not safe names under the model's folder or
    /// the store's naming rules are left out; the model inspector refuses such models when they load.
    /// </summary>
    private async Task<IReadOnlyList<(string Location, string File)>> ExternalDataOfAsync(FinishInput input, string hash)
    {
        var prepared = await workspace.GetAsync(input.RunId, input.Spec);
        using var bytes = new MemoryStream();
        await using (var candidate = await store.OpenReadAsync(ArtifactLayout.Candidate(input.RunId, hash)))
        {
            await candidate.CopyToAsync(bytes);
        }

        var locations = Core.Onnx.OnnxModelInspector.ExternalDataLocations(new Core.Onnx.OnnxModelInspector().Parse(bytes.ToArray(), hash));
        var folder = Path.GetFullPath(Path.GetDirectoryName(prepared.Data.ModelPath)!) + Path.DirectorySeparatorChar;
        return locations
            .Where(l => ArtifactNames.CheckName(l) is null)
            .Select(l => (Location: l, File: Path.GetFullPath(Path.Combine(folder, l))))
            .Where(x => x.File.StartsWith(folder, StringComparison.Ordinal) && File.Exists(x.File))
            .ToList();
    }

    private async Task UploadBesideAsync(string runId, string folder, IReadOnlyList<(string Location, string File)> external)
    {
        foreach (var (location, file) in external)
        {
            await store.UploadFileAsync(ArtifactLayout.RunFile(runId, folder + location), file);
        }
    }

    private static ConstraintCheck Check(ConstraintJudgment j) => new()
    {
        Constraint = j.Constraint,
        Metric = j.Metric,
        Value = j.Value,
        Bar = j.Bar,
        Met = j.PointMeets,
        Verdict = j.Verdict.ToString(),
        SampleCount = j.SampleCount,
    };

    private async Task Upload(ArtifactPath path, string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await store.UploadAsync(path, stream);
    }
}
