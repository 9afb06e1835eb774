using System.Security.Cryptography;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Timing;
using FunctionsOpt.Core.Verdicts;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.DurableTask;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// The final stage: times every succeeded finalist against the original model in one interleaved session
/// (<see cref="InterleavedTimer"/>, behind the process's <see cref="MeasurementGate"/>), lets
/// <see cref="VerdictSelector"/> decide what to recommend, and stores the <see cref="RunVerdict"/> in the state record.
/// At-least-once safe: a verdict already stored for the same finalists is returned as it is, never re-measured (so a
/// retried activity cannot change the recommendation), and a terminal run's record is never changed.
/// </summary>
public sealed class JudgeFinalistsActivity(IArtifactStore store, RunWorkspace workspace, InferenceSessionFactory sessions, MeasurementGate gate)
    : TaskActivity<JudgeInput, RunVerdict?>
{
    /// <summary>Key of the original model in the timing session.</summary>
    public const string OriginalKey = "original";

    /// <inheritdoc />
    public override async Task<RunVerdict?> RunAsync(TaskActivityContext context, JudgeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = (await store.ReadStateAsync(input.RunId))?.State;
        if (state?.Baseline is null || state.IsStopping)
        {
            return state?.Verdict;
        }

        var ids = input.Results.Select(r => r.TrialId).Order(StringComparer.Ordinal).ToArray();
        if (state.Verdict is { } stored && stored.Finalists.Select(f => f.TrialId).Order(StringComparer.Ordinal).SequenceEqual(ids))
        {
            return stored;
        }

        var prepared = await workspace.GetAsync(input.RunId, input.Spec);
        var objective = SpecMapper.Objective(input.Spec, state.Baseline.Metrics);
        var verdict = await MeasureAsync(input, state, prepared, objective);
        await store.UpdateStateAsync(input.RunId, s => s.IsTerminal ? s : s with { Verdict = verdict });
        return verdict;
    }

    private async Task<RunVerdict> MeasureAsync(JudgeInput input, RunState state, PreparedRun prepared, SearchObjective objective)
    {
        var goal = VerdictGoalOf(input.Spec);
        var statistic = StatisticOf(input.Spec);
        var originalHash = Convert.ToHexStringLower(SHA256.HashData(prepared.Data.ModelBytes));
        await store.PutCandidateFileIfAbsentAsync(input.RunId, originalHash, prepared.Data.ModelPath);
        var models = new List<TimedModel> { new(OriginalKey, prepared.Data.ModelPath, prepared.Settings.Session, prepared.Settings.LatencyBatchSize) };
        var finalists = new List<(TrialSummary Result, IReadOnlyList<PassStep> Pipeline, string? Local)>();
        foreach (var result in input.Results.Where(r => r.Status == Core.Search.TrialStatus.Succeeded && r.CandidateHash is not null))
        {
            var work = input.Finals.First(f => f.TrialId == result.TrialId);
            var pipeline = prepared.Space.ToPipeline(SearchConfiguration.FromCanonical(work.Configuration)).Select(s => new PassStep(s.Pass, s.Parameters)).ToArray();
            // Beside the source model: a candidate that keeps the source's weights in its external-data file names
            // that file by a relative location, which resolves only from the source's folder.
            var local = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(prepared.Data.ModelPath))!, $"verdict-{result.TrialId}-{result.CandidateHash![..16]}.onnx");
            await store.DownloadToFileAsync(ArtifactLayout.Candidate(input.RunId, result.CandidateHash), local);
            var (session, batch) = TrialExecutor.SessionFor(pipeline, prepared.Settings);
            models.Add(new TimedModel(result.TrialId, local, session with { UseIoBinding = prepared.Settings.Session.UseIoBinding }, batch));
            finalists.Add((result, pipeline, local));
        }

        InterleavedTiming timing;
        try
        {
            using (await gate.EnterAsync())
            {
                timing = new InterleavedTimer(sessions).Measure(models, prepared.Data.Evaluation, workspace.Options.FinalTiming with { Seed = input.Spec.Seed });
            }
        }
        finally
        {
            foreach (var f in finalists)
            {
                File.Delete(f.Local!);
            }
        }

        var originalSize = prepared.Data.ModelBytes.LongLength;
        var evidence = finalists.Select(f => Evidence(f.Result, f.Pipeline, timing[f.Result.TrialId], statistic, objective, state.Baseline!.Metrics)).ToArray();
        var chosen = VerdictSelector.Choose(goal, originalSize, evidence.Select(e => e.Evidence).ToArray());
        return new RunVerdict
        {
            Kind = KindName(chosen.Kind),
            RecommendedTrialId = chosen.RecommendedTrialId,
            Headline = chosen.Headline,
            Reasons = chosen.Reasons,
            Goal = goal == VerdictGoal.Size ? "size" : "speed",
            Statistic = statistic,
            BatchSize = prepared.Settings.LatencyBatchSize,
            Method = SpeedupEstimate.Method,
            Confidence = workspace.Options.FinalTiming.Confidence,
            Rounds = timing.Rounds,
            Seconds = timing.Seconds,
            StoppedBy = timing.StoppedBy,
            OriginalP50Ms = timing.Reference.P50Ms,
            OriginalP95Ms = timing.Reference.P95Ms,
            OriginalSizeBytes = originalSize,
            OriginalHash = originalHash,
            Finalists = evidence.Select(e => e.Measurement).ToArray(),
        };
    }

    private static (FinalistEvidence Evidence, FinalistMeasurement Measurement) Evidence(
        TrialSummary result, IReadOnlyList<PassStep> pipeline, ModelTiming timing, string statistic, SearchObjective objective, IReadOnlyDictionary<string, double> baseline)
    {
        var assessment = objective.Assess(TrialRecords.ToEngine(result), out _);
        var meets = assessment?.PointMeetsAll ?? false;
        var lossless = objective.Constraints.OfType<QualityDropConstraint>()
            .All(c => result.Metrics.TryGetValue(c.Metric, out var v) && baseline.TryGetValue(c.Metric, out var b) && v >= b);
        var size = result.Metrics.TryGetValue(MetricNames.SizeBytes, out var bytes) ? (long)bytes : long.MaxValue;
        var passes = pipeline.Where(s => s.Pass.Kind != PassKind.Runtime).Select(s => s.Pass.Name).ToArray();
        var ratio = statistic == "p95" ? timing.P95VsReference : timing.P50VsReference;
        return (new FinalistEvidence(result.TrialId, meets, lossless, size, passes.Length, ratio), new FinalistMeasurement
        {
            TrialId = result.TrialId,
            Passes = pipeline.Select(s => s.Pass.Name).ToArray(),
            Ratio = ratio?.Ratio,
            Low = ratio?.Low,
            High = ratio?.High,
            P50Ms = timing.P50Ms,
            P95Ms = timing.P95Ms,
            IntraOpThreads = timing.IntraOpThreads,
            SizeBytes = size,
            MeetsConstraints = meets,
            Lossless = lossless,
        });
    }

    /// <summary>Whether the spec's objective is judged on speed or on size.</summary>
    public static VerdictGoal VerdictGoalOf(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var metrics = spec.Objective.Weights is { Count: > 0 } w ? w.Select(x => x.Metric).ToArray() : [spec.Objective.Metric ?? ObjectiveMetric.LatencyP50];
        return metrics.Any(m => m is ObjectiveMetric.LatencyP50 or ObjectiveMetric.LatencyP95 or ObjectiveMetric.Throughput) ? VerdictGoal.Speed : VerdictGoal.Size;
    }

    /// <summary>The latency statistic the objective watches: <c>p95</c> for a p95 objective, else <c>p50</c>.</summary>
    public static string StatisticOf(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Objective.Metric == ObjectiveMetric.LatencyP95 ? "p95" : "p50";
    }

    private static string KindName(VerdictKind kind) => kind switch
    {
        VerdictKind.MeasurableGain => "measurable-gain",
        VerdictKind.SmallerWithinNoise => "smaller-within-noise",
        VerdictKind.NoMeasurableGain => "no-measurable-gain",
        _ => "none-meets-constraints",
    };
}

/// <summary>Input of <see cref="JudgeFinalistsActivity"/>.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Spec">Its spec.</param>
/// <param name="Finals">The final stage's work items (their configurations).</param>
/// <param name="Results">The final stage's results.</param>
public sealed record JudgeInput(string RunId, OptimizationSpec Spec, IReadOnlyList<TrialWork> Finals, IReadOnlyList<TrialSummary> Results);
