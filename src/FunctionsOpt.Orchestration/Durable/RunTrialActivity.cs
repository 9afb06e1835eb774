using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Timing;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using FunctionsOpt.Orchestration.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ContractTrialResult = FunctionsOpt.Orchestration.Contracts.TrialResult;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// Builds, scores and times one candidate (see <see cref="TrialExecutor"/>), stores it content-addressed in the run's
/// candidates, records the full result in the state record under the trial id, and returns a small summary.
/// At-least-once safe: a re-run rebuilds the same bytes (or reuses them) and replaces the same trial id's record.
/// A model-specific failure is a summary with its error code; only environment faults throw (and are retried).
/// A trial of a run that has ended or was asked to stop (<see cref="RunState.IsStopping"/>) is skipped with
/// <see cref="SkippedCode"/> and records nothing: the engine still delivers activities a cancelled or terminated run
/// had scheduled, and those must not spend compute or change the record of a run that has ended.
/// </summary>
public sealed class RunTrialActivity(
    IArtifactStore store,
    RunWorkspace workspace,
    InferenceSessionFactory sessions,
    MeasurementGate gate,
    TimeProvider clock,
    ILogger<TrialExecutor>? logger = null) : TaskActivity<TrialActivityInput, TrialSummary>
{
    /// <summary>Error code of a trial skipped because its run has ended or is stopping.</summary>
    public const string SkippedCode = "run-stopping";

    /// <inheritdoc />
    public override async Task<TrialSummary> RunAsync(TaskActivityContext context, TrialActivityInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = clock.GetUtcNow();
        var work = input.Work;
        var state = (await store.ReadStateAsync(input.RunId))?.State;
        if (state is { IsStopping: true } stopping)
        {
            return Skipped(work, stopping.Status);
        }

        using var span = FunctionsOptTelemetry.StartTrial(input.RunId, work.TrialId, work.Rung);
        var prepared = await workspace.GetAsync(input.RunId, input.Spec);
        var configuration = SearchConfiguration.FromCanonical(work.Configuration);
        // A trial this run already finished (recorded before an interrupt, or by an earlier delivery of this activity)
        // is not measured again: a resumed run continues from the trials it kept.
        if (state?.Trials.FirstOrDefault(t => t.TrialId == work.TrialId) is { Status: Contracts.TrialStatus.Ok, Error: null } done
            && string.Equals(done.Configuration, configuration.Canonical, StringComparison.Ordinal)
            && done.Resource.Equals(work.Resource))
        {
            return Reused(work, done, Core.Data.DatasetSampler.StratifiedSubsample(prepared.Data.Evaluation, work.SampleFraction, prepared.Settings.Seed).Count);
        }
        TrialOutcome outcome;
        IReadOnlyList<string> passes = [];
        try
        {
            var pipeline = prepared.Space.ToPipeline(configuration).Select(s => new PassStep(s.Pass, s.Parameters)).ToArray();
            passes = pipeline.Select(s => s.Pass.Name).ToArray();
            var executor = new TrialExecutor(sessions, new RunCandidateCache(store, input.RunId), gate, logger);
            var budget = new TrialBudget(work.SampleFraction, work.LatencyIterations, work.CalibrationSamples);
            outcome = await executor.RunAsync(prepared.Data, new TrialRequest(work.SchedulerTrialId, pipeline, budget), prepared.Settings);
        }
        catch (InvalidSearchSpaceException ex)
        {
            outcome = new TrialOutcome { Result = Core.Search.TrialResult.Invalid(work.SchedulerTrialId, ex.Message), ErrorCode = InvalidSpecException.Code };
        }

        if (state?.Baseline is { } baseline && outcome.Result.Status == Core.Search.TrialStatus.Succeeded)
        {
            outcome = outcome with { Result = outcome.Result with { Metrics = LatencyRatios.Normalise(outcome.Result.Metrics, baseline.Metrics) } };
        }

        if (outcome.CandidatePath is { } path && outcome.CandidateHash is { } hash)
        {
            await store.PutCandidateFileIfAbsentAsync(input.RunId, hash, path);
            if (!string.Equals(path, prepared.Data.ModelPath, StringComparison.Ordinal))
            {
                File.Delete(path);
            }
        }

        var record = new ContractTrialResult
        {
            TrialId = work.TrialId,
            Configuration = configuration.Canonical,
            Passes = passes,
            Rung = work.Rung,
            Bracket = work.Bracket,
            PromotedFrom = work.PromotedFrom,
            Resource = work.Resource,
            Metrics = outcome.Result.Metrics,
            Provider = outcome.Provider is { } p ? TrialRecords.Usage(p) : null,
            Status = TrialRecords.ToContract(outcome.Result.Status),
            Error = outcome.ErrorCode is { } code ? new TrialError { Code = code, Message = outcome.Result.Error ?? code } : null,
            CandidateHash = outcome.CandidateHash,
            Timings = new TrialTimings { StartedAt = started, CompletedAt = clock.GetUtcNow(), BuildSeconds = outcome.BuildSeconds, EvaluateSeconds = outcome.EvaluateSeconds },
            PassRecords = outcome.Records.Select(TrialRecords.Report).ToArray(),
        };
        // A run that ended while this trial ran keeps the record it ended with.
        await store.UpdateStateAsync(input.RunId, s => s.IsTerminal ? s : s.WithTrial(record));
        span?.SetTag(FunctionsOptTelemetry.StatusTag, record.Status.ToString());
        FunctionsOptTelemetry.TrialDuration.Record(
            (clock.GetUtcNow() - started).TotalSeconds, new KeyValuePair<string, object?>(FunctionsOptTelemetry.StatusTag, record.Status.ToString()));
        return new TrialSummary
        {
            TrialId = work.TrialId,
            SchedulerTrialId = work.SchedulerTrialId,
            Status = outcome.Result.Status,
            Metrics = outcome.Result.Metrics,
            SampleCount = outcome.Result.SampleCount,
            ErrorCode = outcome.ErrorCode,
            Error = outcome.Result.Error,
            CandidateHash = outcome.CandidateHash,
        };
    }

    private static TrialSummary Reused(TrialWork work, ContractTrialResult done, int sampleCount) => new()
    {
        TrialId = work.TrialId,
        SchedulerTrialId = work.SchedulerTrialId,
        Status = Core.Search.TrialStatus.Succeeded,
        Metrics = done.Metrics,
        // The sample the trial was scored on is the seeded, nested subsample of its budget: the same rows again.
        SampleCount = sampleCount,
        CandidateHash = done.CandidateHash,
    };

    private static TrialSummary Skipped(TrialWork work, RunStatus status) => new()
    {
        TrialId = work.TrialId,
        SchedulerTrialId = work.SchedulerTrialId,
        Status = Core.Search.TrialStatus.Failed,
        ErrorCode = SkippedCode,
        Error = $"Skipped: the run is {(status is RunStatus.Cancelled or RunStatus.Completed or RunStatus.Failed ? status.ToString().ToLowerInvariant() : "stopping")}.",
    };
}
