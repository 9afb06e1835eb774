using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.DurableTask.Client;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>
/// One run status from the two sources of truth: the orchestration (live, authoritative while it exists) and the
/// state record (which outlives a purged orchestration). Get and list use the same rules, so they agree.
/// </summary>
internal static class RunStatusResolver
{
    /// <summary>The run's status; null when neither source knows the run.</summary>
    public static RunStatus? Resolve(OrchestrationMetadata? metadata, RunState? state)
    {
        if (metadata is null)
        {
            return state?.Status;
        }

        return metadata.RuntimeStatus switch
        {
            // The orchestrator returns a summary for every ending it handles (completed, failed, cancelled).
            OrchestrationRuntimeStatus.Completed => Output(metadata)?.Status ?? RunStatus.Completed,
            OrchestrationRuntimeStatus.Failed => RunStatus.Failed,
            OrchestrationRuntimeStatus.Terminated => RunStatus.Cancelled,
            OrchestrationRuntimeStatus.Pending => RunStatus.Pending,
            _ => Progress(metadata)?.Phase switch
            {
                // The orchestrator announces its ending before it writes the results and returns: until the
                // orchestration itself has ended, the state record, report and best model may not exist yet.
                { } phase when IsTerminal(phase) => RunStatus.WritingResults,
                { } phase => phase,
                null => state is { IsTerminal: false } ? state.Status : RunStatus.Pending,
            },
        };
    }

    /// <summary>Whether the status is an ending.</summary>
    public static bool IsTerminal(RunStatus status) => status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>The orchestration's custom status as progress, when it has one.</summary>
    public static RunProgress? Progress(OrchestrationMetadata metadata) =>
        metadata.SerializedCustomStatus is null ? null : metadata.ReadCustomStatusAs<RunProgress>();

    private static RunSummary? Output(OrchestrationMetadata metadata) =>
        metadata.SerializedOutput is null ? null : metadata.ReadOutputAs<RunSummary>();

    /// <summary>
    /// The orchestration statuses a run with <paramref name="status"/> can have: the coarse filter of a listing,
    /// refined afterwards with <see cref="Resolve"/>.
    /// </summary>
    public static IReadOnlyList<OrchestrationRuntimeStatus> RuntimeStatusesOf(RunStatus status) => status switch
    {
        RunStatus.Pending => [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running],
        RunStatus.Completed => [OrchestrationRuntimeStatus.Completed],
        RunStatus.Failed => [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed],
        RunStatus.Cancelled => [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Terminated],
        _ => [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended],
    };
}
