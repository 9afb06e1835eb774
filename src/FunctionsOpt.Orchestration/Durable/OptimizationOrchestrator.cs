using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// One optimization run: validate → baseline profile → the scheduler rung by rung (each rung's trials fanned out as
/// <see cref="RunTrialActivity"/> and fanned in) → final full-budget evaluation of the top configurations → results.
/// Deterministic: no clock but the context's, no I/O, no randomness (the scheduler's state travels as its saved JSON
/// through <see cref="SchedulerStepActivity"/>). Progress is the custom status (<see cref="RunProgress"/>). The external
/// event <see cref="CancelEventName"/> stops the run between fan-ins with status Cancelled and partial results kept.
/// Activities that throw (environment faults) are retried; model-specific failures come back as results.
/// Run events (<see cref="RunEvent"/>: started, one progress per rung, completed or failed) are published through
/// <see cref="PublishRunEventActivity"/> with the orchestration's clock as their time; a failure to publish is logged
/// and never fails the run.
/// </summary>
public sealed partial class OptimizationOrchestrator : TaskOrchestrator<OptimizationInput, RunSummary>
{
    /// <summary>The external event that cancels a run.</summary>
    public const string CancelEventName = "cancel";

    /// <summary>Activity attempts for transient faults (the options' value is passed in the input's spec-independent settings).</summary>
    public const int ActivityMaxAttempts = 3;

    /// <summary>Trials a rung may fan out at once.</summary>
    public const int MaxParallelTrials = 64;

    /// <inheritdoc />
    public override async Task<RunSummary> RunAsync(TaskOrchestrationContext context, OptimizationInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var logger = context.CreateReplaySafeLogger<OptimizationOrchestrator>();
        var retry = new TaskOptions(new TaskRetryOptions(new RetryPolicy(ActivityMaxAttempts, TimeSpan.FromSeconds(1), 2.0)));
        var cancel = context.WaitForExternalEvent<string>(CancelEventName);
        var progress = new RunProgress(RunStatus.Validating, null, 0, 0, null);
        string? schedulerState = null;
        string? stopReason = null;
        var rungsFanned = 0;
        var runStarted = context.CurrentUtcDateTime;
        RunVerdict? verdict = null;

        async Task<RunSummary> Finish(RunStatus status, IReadOnlyList<TrialSummary> finals, RunError? error)
        {
            context.SetCustomStatus(progress with { Phase = status });
            LogFinished(logger, input.RunId, status);
            var summary = await context.CallActivityAsync<RunSummary>(nameof(FinishRunActivity), new FinishInput(input.RunId, input.Spec, status, finals, schedulerState, stopReason, error), retry);
            if (!context.IsReplaying)
            {
                FunctionsOptTelemetry.RecordSpan("run", input.RunId, runStarted, context.CurrentUtcDateTime, (FunctionsOptTelemetry.StatusTag, summary.Status.ToString()));
            }

            var chosen = finals.FirstOrDefault(f => f.TrialId == summary.BestTrialId);
            await PublishAsync(context, logger, retry, new RunEvent
            {
                Kind = summary.Status == RunStatus.Failed ? RunEventKind.RunFailed : RunEventKind.RunCompleted,
                RunId = input.RunId,
                Time = context.CurrentUtcDateTime,
                Status = summary.Status,
                TrialsDone = progress.TrialsDone,
                TrialsTotal = progress.TrialsTotal,
                BestTrialId = summary.BestTrialId,
                MeetsConstraints = summary.BestTrialId is null ? null : !summary.BestEffort,
                Metrics = chosen?.Metrics ?? new Dictionary<string, double>(),
                Error = summary.Error,
                Verdict = verdict?.Headline,
            });
            return summary;
        }

        RunError Error(string code, string message, RunStatus phase) => new() { Code = code, Message = message, Phase = phase, At = context.CurrentUtcDateTime };

        try
        {
            context.SetCustomStatus(progress);
            await PublishAsync(context, logger, retry, new RunEvent { Kind = RunEventKind.RunStarted, RunId = input.RunId, Time = context.CurrentUtcDateTime, Status = progress.Phase });
            var validation = await context.CallActivityAsync<StepResult>(nameof(ValidateRunActivity), input, retry);
            if (!validation.Ok)
            {
                return await Finish(RunStatus.Failed, [], Error(validation.ErrorCode ?? "invalid-spec", validation.Message ?? "invalid", RunStatus.Validating));
            }

            progress = progress with { Phase = RunStatus.ProfilingBaseline };
            context.SetCustomStatus(progress);
            await context.CallActivityAsync<bool>(nameof(UpdatePhaseActivity), new PhaseInput(input.RunId, RunStatus.ProfilingBaseline, null, context.CurrentUtcDateTime), retry);
            var baseline = await context.CallActivityAsync<StepResult>(nameof(ProfileBaselineActivity), input, retry);
            if (!baseline.Ok)
            {
                return await Finish(RunStatus.Failed, [], Error(baseline.ErrorCode ?? "invalid-model", baseline.Message ?? "baseline failed", RunStatus.ProfilingBaseline));
            }

            IReadOnlyList<TrialSummary> results = [];
            IReadOnlyList<TrialWork> finals;
            while (true)
            {
                var step = await context.CallActivityAsync<SchedulerStepOutput>(
                    nameof(SchedulerStepActivity),
                    new SchedulerStepInput(input.RunId, input.Spec, schedulerState, results, context.CurrentUtcDateTime, MaxParallelTrials),
                    retry);
                schedulerState = step.SchedulerState;
                progress = progress with { TrialsDone = step.TrialsReported, TrialsTotal = step.TrialsSuggested, Best = step.Best };
                if (step.Finished)
                {
                    stopReason = step.StopReason;
                    finals = step.Finals;
                    break;
                }

                if (step.Trials.Count == 0)
                {
                    return await Finish(RunStatus.Failed, [], Error("scheduler-stalled", "The scheduler suggested nothing before finishing.", RunStatus.Searching));
                }

                var rung = step.Trials.Max(t => t.Rung);
                progress = progress with { Phase = RunStatus.Searching, Rung = rung };
                context.SetCustomStatus(progress);
                LogRung(logger, input.RunId, rung, step.Trials.Count);
                await context.CallActivityAsync<bool>(nameof(UpdatePhaseActivity), new PhaseInput(input.RunId, RunStatus.Searching, rung, context.CurrentUtcDateTime), retry);
                rungsFanned++;
                await PublishAsync(context, logger, retry, new RunEvent
                {
                    Kind = RunEventKind.RunProgress,
                    RunId = input.RunId,
                    Time = context.CurrentUtcDateTime,
                    Status = RunStatus.Searching,
                    Step = rungsFanned,
                    Rung = rung,
                    TrialsDone = progress.TrialsDone,
                    TrialsTotal = progress.TrialsTotal,
                    BestTrialId = progress.Best?.TrialId,
                    BestObjective = progress.Best?.Objective,
                    MeetsConstraints = progress.Best?.MeetsConstraints,
                });
                var rungStarted = context.CurrentUtcDateTime;
                var fanned = await FanOutAsync(context, input, step.Trials, cancel, retry);
                if (!context.IsReplaying)
                {
                    FunctionsOptTelemetry.RecordSpan("rung", input.RunId, rungStarted, context.CurrentUtcDateTime, (FunctionsOptTelemetry.RungTag, rung), ("functionsopt.trials", step.Trials.Count));
                }

                if (fanned is null)
                {
                    return await Finish(RunStatus.Cancelled, [], null);
                }

                results = fanned;
            }

            progress = progress with { Phase = RunStatus.FinalEvaluation, Rung = null };
            context.SetCustomStatus(progress);
            await context.CallActivityAsync<bool>(nameof(UpdatePhaseActivity), new PhaseInput(input.RunId, RunStatus.FinalEvaluation, null, context.CurrentUtcDateTime), retry);
            var finalResults = await FanOutAsync(context, input, finals, cancel, retry);
            if (finalResults is null)
            {
                return await Finish(RunStatus.Cancelled, [], null);
            }

            // The verdict re-times the finalists against the original in one interleaved session: the search's
            // own timings only rank candidates, they never decide what is recommended.
            verdict = await context.CallActivityAsync<RunVerdict?>(nameof(JudgeFinalistsActivity), new JudgeInput(input.RunId, input.Spec, finals, finalResults), retry);
            progress = progress with { Phase = RunStatus.WritingResults };
            context.SetCustomStatus(progress);
            return await Finish(RunStatus.Completed, finalResults, null);
        }
        catch (TaskFailedException ex)
        {
            // The failure's ErrorType is a .NET type name, not one of the documented codes a client can branch on:
            // the state record gets a stable code, and the details stay in the worker's log.
            LogActivityFailed(logger, input.RunId, ex.FailureDetails.ErrorType, ex.FailureDetails.ErrorMessage);
            var (code, message) = StableFailure(ex.FailureDetails.ErrorType);
            return await Finish(RunStatus.Failed, [], Error(code, message, progress.Phase));
        }
    }

    /// <summary>Stable error code used when an activity fails on an unexpected exception.</summary>
    public const string InternalErrorCode = "internal-error";

    /// <summary>The documented code and a message without server details for an activity's unexpected failure.</summary>
    internal static (string Code, string Message) StableFailure(string errorType) =>
        errorType.EndsWith("OnnxRuntimeException", StringComparison.Ordinal)
            ? (Core.Optimization.TrialExecutor.RuntimeErrorCode, "ONNX Runtime failed while running the model (for example an input too large to allocate); check the model's input shapes and the data. Details are in the worker log.")
            : (InternalErrorCode, "The run stopped on an internal error; details are in the worker log.");

    /// <summary>Publishes a run event; a failure (after the activity's retries) is logged, never thrown.</summary>
    private static async Task PublishAsync(TaskOrchestrationContext context, ILogger logger, TaskOptions retry, RunEvent runEvent)
    {
        try
        {
            await context.CallActivityAsync<bool>(nameof(PublishRunEventActivity), runEvent, retry);
        }
        catch (TaskFailedException ex)
        {
            LogPublishFailed(logger, runEvent.EventId, ex.FailureDetails.ErrorMessage);
        }
    }

    /// <summary>Runs the trials in parallel; null when the cancel event arrived first.</summary>
    private static async Task<IReadOnlyList<TrialSummary>?> FanOutAsync(
        TaskOrchestrationContext context, OptimizationInput input, IReadOnlyList<TrialWork> trials, Task<string> cancel, TaskOptions retry)
    {
        var tasks = trials.Select(t => context.CallActivityAsync<TrialSummary>(nameof(RunTrialActivity), new TrialActivityInput(input.RunId, input.Spec, t), retry)).ToArray();
        var all = Task.WhenAll(tasks);
        var first = await Task.WhenAny(all, cancel);
        return first == cancel ? null : await all;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Run {RunId}: rung {Rung}, {Count} trial(s)")]
    private static partial void LogRung(ILogger logger, string runId, int rung, int count);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Run {RunId} ends {Status}")]
    private static partial void LogFinished(ILogger logger, string runId, RunStatus status);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Run {RunId}: an activity failed with {ErrorType}: {Error}")]
    private static partial void LogActivityFailed(ILogger logger, string runId, string errorType, string error);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Run event {EventId} was not published: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string eventId, string error);
}
