using FunctionsOpt.Orchestration.Contracts;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// Starting and managing optimization runs over any <see cref="DurableTaskClient"/>: the Functions app's durable
/// client, the portable host's gRPC client or the embedded engine's. Every entry point (HTTP, blob, queue, Service
/// Bus, CLI) goes through <see cref="SubmitAsync"/>, so a duplicate submission (the same blob uploaded twice, a
/// redelivered message) maps to the same deterministic run id and starts nothing new. Thread-safe.
/// </summary>
public sealed class OptimizationRunClient
{
    private readonly DurableTaskClient _client;

    /// <summary>Wraps <paramref name="client"/>.</summary>
    public OptimizationRunClient(DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <summary>The underlying durable client.</summary>
    public DurableTaskClient Client => _client;

    /// <summary>
    /// Starts a run of <paramref name="spec"/> unless an instance with its run id exists. Returns the run id and
    /// whether this call started it. The spec must already be validated (see <see cref="SpecValidator"/>).
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(OptimizationSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var runId = SpecHash.RunIdOf(spec);
        if (await _client.GetInstanceAsync(runId, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new SubmitResult(runId, Started: false);
        }

        try
        {
            await _client.ScheduleNewOrchestrationInstanceAsync(
                nameof(OptimizationOrchestrator), new OptimizationInput(runId, spec), new StartOrchestrationOptions(runId), cancellationToken).ConfigureAwait(false);
            return new SubmitResult(runId, Started: true);
        }
        catch (InvalidOperationException)
        {
            // Two submissions raced between the existence check and the start: if the other one won, that is the
            // outcome a duplicate submission should have; anything else is a real failure.
            if (await _client.GetInstanceAsync(runId, cancellationToken).ConfigureAwait(false) is not null)
            {
                return new SubmitResult(runId, Started: false);
            }

            throw;
        }
    }

    /// <summary>The run's live progress (the orchestration's custom status), or null before the first update.</summary>
    public async Task<RunProgress?> GetProgressAsync(string runId, CancellationToken cancellationToken = default)
    {
        var metadata = await _client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return metadata?.SerializedCustomStatus is null ? null : metadata.ReadCustomStatusAs<RunProgress>();
    }

    /// <summary>The orchestration's metadata, or null when no such run exists.</summary>
    public Task<OrchestrationMetadata?> GetInstanceAsync(string runId, CancellationToken cancellationToken = default) =>
        _client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);

    /// <summary>Waits for the run to end and returns its summary.</summary>
    public async Task<RunSummary?> WaitAsync(string runId, CancellationToken cancellationToken = default)
    {
        var metadata = await _client.WaitForInstanceCompletionAsync(runId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return metadata.ReadOutputAs<RunSummary>();
    }

    /// <summary>Asks the run to stop after the trials in flight; it ends Cancelled with partial results kept.</summary>
    public Task CancelAsync(string runId, string reason = "cancelled by the user", CancellationToken cancellationToken = default) =>
        _client.RaiseEventAsync(runId, OptimizationOrchestrator.CancelEventName, reason, cancellationToken);
}

/// <summary>The outcome of a submission.</summary>
/// <param name="RunId">The deterministic run id (also the orchestration instance id).</param>
/// <param name="Started">False when a run with this id already existed (a duplicate submission).</param>
public sealed record SubmitResult(string RunId, bool Started);
