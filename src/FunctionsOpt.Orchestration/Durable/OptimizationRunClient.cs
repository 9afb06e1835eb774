using FunctionsOpt.Orchestration.Artifacts;
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
    /// <summary>The stop reason a terminated run's record carries (with the caller's reason after a colon).</summary>
    public const string TerminatedStopReason = "terminated";

    // Striped locks for SubmitWithIdAsync: bounded, and two run ids sharing a stripe only wait for each other briefly.
    private static readonly SemaphoreSlim[] SubmitGates = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    private readonly DurableTaskClient _client;
    private readonly IArtifactStore? _store;
    private readonly TimeProvider _clock;

    /// <summary>
    /// Wraps <paramref name="client"/>. With <paramref name="store"/>, a terminated run's state record is made to
    /// agree with the engine (see <see cref="TerminateAsync"/> and <see cref="GetInstanceAsync"/>); without it the
    /// record is left as the orchestration last wrote it.
    /// </summary>
    public OptimizationRunClient(DurableTaskClient client, IArtifactStore? store = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _store = store;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The underlying durable client.</summary>
    public DurableTaskClient Client => _client;

    /// <summary>
    /// Starts a run of <paramref name="spec"/> unless an instance with its run id exists. Returns the run id and
    /// whether this call started it. The spec must already be validated (see <see cref="SpecValidator"/>).
    /// </summary>
    public Task<SubmitResult> SubmitAsync(OptimizationSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return SubmitWithIdAsync(spec, SpecHash.RunIdOf(spec), cancellationToken);
    }

    /// <summary>
    /// Starts a run of <paramref name="spec"/> under <paramref name="runId"/> (for example
    /// <see cref="RunIdentity.RunIdOf"/>, which also covers the inputs' content) unless an instance with that id
    /// exists, or, with the store, its record says it completed or failed: a finished run is never run again under
    /// its id, even after the engine forgot the instance (the embedded engine keeps nothing between processes).
    /// </summary>
    public async Task<SubmitResult> SubmitWithIdAsync(OptimizationSpec spec, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        // Concurrent submissions of one run id in this process take turns (clients are created per request in the
        // Functions app, so the gate is static): check-then-start is then atomic here. Across processes, the
        // create-only write of the state record below picks the one submission that starts a new run.
        var gate = SubmitGates[(int)((uint)StringComparer.Ordinal.GetHashCode(runId) % (uint)SubmitGates.Length)];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SubmitExclusiveAsync(spec, runId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<SubmitResult> SubmitExclusiveAsync(OptimizationSpec spec, string runId, CancellationToken cancellationToken)
    {
        if (await _client.GetInstanceAsync(runId, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new SubmitResult(runId, Started: false);
        }

        if (_store is not null)
        {
            var existing = await _store.ReadStateAsync(runId, cancellationToken).ConfigureAwait(false);
            if (existing is { State.Status: RunStatus.Completed or RunStatus.Failed })
            {
                return new SubmitResult(runId, Started: false);
            }

            // A first submission claims the run by creating its record (create-only: exactly one writer succeeds).
            // An existing record without an instance is a run to resume (or a claim whose start failed): start it.
            if (existing is null && !(await _store.TryWriteStateAsync(RunState.Create(runId, spec, _clock.GetUtcNow()), null, cancellationToken).ConfigureAwait(false)).Written)
            {
                return new SubmitResult(runId, Started: false);
            }
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

    /// <summary>
    /// The orchestration's metadata, or null when no such run exists. A terminated run whose state record still says
    /// it is running (terminated by another client, or a terminate whose record update was lost) has its record
    /// reconciled to <see cref="RunStatus.Cancelled"/> first, so a status read afterwards agrees with the engine.
    /// </summary>
    public async Task<OrchestrationMetadata?> GetInstanceAsync(string runId, CancellationToken cancellationToken = default)
    {
        var metadata = await _client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (metadata is { RuntimeStatus: OrchestrationRuntimeStatus.Terminated })
        {
            await ReconcileTerminatedAsync(metadata, cancellationToken).ConfigureAwait(false);
        }

        return metadata;
    }

    /// <summary>Waits for the run to end and returns its summary.</summary>
    public async Task<RunSummary?> WaitAsync(string runId, CancellationToken cancellationToken = default)
    {
        var metadata = await _client.WaitForInstanceCompletionAsync(runId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        return metadata.ReadOutputAs<RunSummary>();
    }

    /// <summary>
    /// Stops the run now, without waiting for the trials in flight (unlike <see cref="CancelAsync"/>), then, once the
    /// engine confirms the orchestration ended, marks its state record <see cref="RunStatus.Cancelled"/> with the
    /// trials recorded so far kept, the stop reason <c>terminated: {reason}</c> and an end time. The record update is
    /// a conditional (ETag) write that leaves a record that already ended alone, so it is idempotent and never
    /// overwrites a run that completed or failed first. Returns the orchestration's final status. Needs the store.
    /// Trials still queued or running when the run is terminated are skipped or dropped (see <see cref="RunTrialActivity"/>):
    /// the record the run ended with does not change afterwards.
    /// </summary>
    public async Task<OrchestrationRuntimeStatus> TerminateAsync(string runId, string reason = "terminated by the user", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (_store is null)
        {
            throw new InvalidOperationException("Terminating a run needs the artifact store to mark its state record; construct OptimizationRunClient with the IArtifactStore.");
        }

        await _client.TerminateInstanceAsync(runId, reason, cancellationToken).ConfigureAwait(false);
        var metadata = await _client.WaitForInstanceCompletionAsync(runId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (metadata.RuntimeStatus == OrchestrationRuntimeStatus.Terminated)
        {
            await ReconcileTerminatedAsync(metadata, cancellationToken).ConfigureAwait(false);
        }

        return metadata.RuntimeStatus;
    }

    /// <summary>
    /// Asks the run to stop after the trials in flight; it ends Cancelled with partial results kept. With the store,
    /// the state record then notes the request (<see cref="RunTimings.CancelRequestedAt"/>), so the trials the run had
    /// already queued are skipped instead of run.
    /// </summary>
    public async Task CancelAsync(string runId, string reason = "cancelled by the user", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        // The event first: if noting the request fails, the run is still cancelled.
        await _client.RaiseEventAsync(runId, OptimizationOrchestrator.CancelEventName, reason, cancellationToken).ConfigureAwait(false);
        if (_store is not null && await _store.ReadStateAsync(runId, cancellationToken).ConfigureAwait(false) is { State.IsStopping: false })
        {
            var now = _clock.GetUtcNow();
            await _store.UpdateStateAsync(
                runId,
                s => s.IsStopping ? s : s with { Timings = s.Timings with { CancelRequestedAt = now } },
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes a cancelled run's record resumable: status back to pending, the cancel request, end time, outcome and
    /// best trial cleared, the trials it finished kept (a resubmission then skips them, see
    /// <see cref="RunTrialActivity"/>). Only a cancelled record changes (conditional write); completed and failed
    /// records are never reopened. Returns the record as it now is, or null when there is none. Needs the store.
    /// </summary>
    public async Task<RunState?> ReopenCancelledAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (_store is null)
        {
            throw new InvalidOperationException("Reopening a run needs the artifact store; construct OptimizationRunClient with the IArtifactStore.");
        }

        var snapshot = await _store.ReadStateAsync(runId, cancellationToken).ConfigureAwait(false);
        if (snapshot is not { State.Status: RunStatus.Cancelled })
        {
            return snapshot?.State;
        }

        var state = snapshot.State;
        var reopened = state with
        {
            Status = RunStatus.Pending,
            CurrentRung = null,
            BestTrialId = null,
            ParetoFront = [],
            Outcome = null,
            Timings = state.Timings with { CancelRequestedAt = null, CompletedAt = null },
        };
        var written = await _store.TryWriteStateAsync(reopened, snapshot.ETag, cancellationToken).ConfigureAwait(false);
        return written.Written ? written.State : (await _store.ReadStateAsync(runId, cancellationToken).ConfigureAwait(false))?.State;
    }

    /// <summary>
    /// Marks the record of the terminated run <paramref name="metadata"/> Cancelled unless it already ended; creates
    /// the record from the orchestration's input when the run was terminated before it wrote one.
    /// </summary>
    private async Task ReconcileTerminatedAsync(OrchestrationMetadata metadata, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return;
        }

        var runId = metadata.InstanceId;
        var reason = metadata.SerializedOutput is null ? null : metadata.ReadOutputAs<string>();
        var stopReason = string.IsNullOrWhiteSpace(reason) ? TerminatedStopReason : $"{TerminatedStopReason}: {reason}";
        var endedAt = new DateTimeOffset(metadata.LastUpdatedAt.UtcDateTime, TimeSpan.Zero);
        RunState Cancelled(RunState s) => s.IsTerminal ? s : s with
        {
            Status = RunStatus.Cancelled,
            CurrentRung = null,
            Outcome = (s.Outcome ?? new RunOutcome()) with { StopReason = stopReason },
            Timings = s.Timings with { CompletedAt = s.Timings.CompletedAt ?? endedAt },
        };

        var current = await _store.ReadStateAsync(runId, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            if (metadata.SerializedInput is null || metadata.ReadInputAs<OptimizationInput>() is not { } input)
            {
                return;
            }

            // Create-only: if the run's first activity wrote the record meanwhile, the update below handles it.
            var created = await _store.TryWriteStateAsync(Cancelled(RunState.Create(runId, input.Spec, _clock.GetUtcNow())), null, cancellationToken).ConfigureAwait(false);
            if (created.Written)
            {
                return;
            }
        }
        else if (current.State.IsTerminal)
        {
            return;
        }

        await _store.UpdateStateAsync(runId, Cancelled, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The outcome of a submission.</summary>
/// <param name="RunId">The deterministic run id (also the orchestration instance id).</param>
/// <param name="Started">False when a run with this id already existed (a duplicate submission).</param>
public sealed record SubmitResult(string RunId, bool Started);
