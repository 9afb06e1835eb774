using FunctionsOpt.Orchestration.Contracts;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>The read-mutate-conditional-write loop both stores share for <see cref="IArtifactStore.UpdateStateAsync"/>.</summary>
internal static class StateUpdater
{
    public static async Task<RunState> UpdateAsync(
        IArtifactStore store,
        string runId,
        Func<RunState, RunState> mutate,
        int maxAttempts,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        ArtifactNames.EnsureRunId(runId);
        for (var attempt = 1; attempt <= maxAttempts; attempt++)
        {
            var snapshot = await store.ReadStateAsync(runId, cancellationToken)
                ?? throw new ArtifactNotFoundException(ArtifactLayout.State(runId));
            var next = mutate(snapshot.State) ?? throw new InvalidOperationException("The state mutation returned null; return the record, changed or not.");
            if (ReferenceEquals(next, snapshot.State))
            {
                return snapshot.State;
            }

            if (!string.Equals(next.RunId, runId, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The state mutation changed the run id from '{runId}' to '{next.RunId}'; keep it.");
            }

            // The version counts writes; the mutation does not get to set it.
            var result = await store.TryWriteStateAsync(next with { Version = snapshot.State.Version }, snapshot.ETag, cancellationToken);
            if (result.Written)
            {
                return result.State!;
            }

            ArtifactStoreLog.StateConflict(logger, runId, attempt, maxAttempts);
            // Jittered, growing pause so that racing writers spread out instead of colliding again in lockstep.
            var ceiling = Math.Min(5 << Math.Min(attempt, 5), 100);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling)), cancellationToken);
        }

        throw new StateConflictException(
            runId,
            $"State record of run '{runId}' changed under every one of {maxAttempts} update attempts; raise ArtifactStore:StateUpdateMaxAttempts or reduce the number of concurrent writers.");
    }
}
