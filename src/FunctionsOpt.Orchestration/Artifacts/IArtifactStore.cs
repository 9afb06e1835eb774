using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>
/// Where inputs and run outputs live (layout: <see cref="ArtifactLayout"/>). Activities run at least once, so every
/// write is idempotent: uploads replace atomically (a reader sees the old or the new content, never a mix),
/// <see cref="UploadIfAbsentAsync"/> writes once, and the state record is changed only through optimistic
/// concurrency. Implementations are thread-safe and safe to share between processes using the same storage.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Creates or replaces the artifact with the whole of <paramref name="content"/>, atomically.</summary>
    Task UploadAsync(ArtifactPath path, Stream content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the artifact only when it does not exist yet; returns true when this call wrote it. Of several
    /// concurrent writers exactly one writes and the others leave its content intact.
    /// </summary>
    Task<bool> UploadIfAbsentAsync(ArtifactPath path, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Opens the artifact for reading; the caller disposes the stream.</summary>
    /// <exception cref="ArtifactNotFoundException">It does not exist.</exception>
    Task<Stream> OpenReadAsync(ArtifactPath path, CancellationToken cancellationToken = default);

    /// <summary>Whether the artifact exists.</summary>
    Task<bool> ExistsAsync(ArtifactPath path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every artifact of <paramref name="container"/> whose name starts with <paramref name="prefix"/> (empty for
    /// all; <c>run-1/</c> for one run's folder), in ordinal name order.
    /// </summary>
    /// <exception cref="InvalidArtifactPathException">The prefix is not a safe name.</exception>
    IAsyncEnumerable<ArtifactInfo> ListAsync(ArtifactContainer container, string prefix, CancellationToken cancellationToken = default);

    /// <summary>The run's state record with its ETag, or null when the run has none.</summary>
    /// <exception cref="InvalidStateRecordException">The stored record cannot be read.</exception>
    Task<StateSnapshot?> ReadStateAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="state"/> (for run <see cref="RunState.RunId"/>) if the stored record still has
    /// <paramref name="expectedETag"/>, or, when that is null, only if there is no record yet. The stored record's
    /// <see cref="RunState.Version"/> is <paramref name="state"/>'s plus one. A lost race is a result, not an error.
    /// </summary>
    Task<StateWriteResult> TryWriteStateAsync(RunState state, string? expectedETag, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the record, applies <paramref name="mutate"/> and writes the result with <see cref="TryWriteStateAsync"/>,
    /// re-reading and re-applying on conflict (bounded by <see cref="ArtifactStoreOptions.StateUpdateMaxAttempts"/>),
    /// so concurrent updates never lose each other. <paramref name="mutate"/> must be a pure function of its input
    /// (it may run several times) and must keep the run id; returning the same instance writes nothing.
    /// Returns the record as stored.
    /// </summary>
    /// <exception cref="ArtifactNotFoundException">The run has no state record.</exception>
    /// <exception cref="StateConflictException">Other writers won every attempt.</exception>
    Task<RunState> UpdateStateAsync(string runId, Func<RunState, RunState> mutate, CancellationToken cancellationToken = default);
}

/// <summary>A state record as read, with the ETag to pass back to <see cref="IArtifactStore.TryWriteStateAsync"/>.</summary>
/// <param name="State">The record.</param>
/// <param name="ETag">Opaque version tag of the stored record.</param>
public sealed record StateSnapshot(RunState State, string ETag);

/// <summary>The outcome of a conditional state write.</summary>
public sealed record StateWriteResult
{
    /// <summary>True when the record was written; false when another writer changed (or created) it first.</summary>
    public required bool Written { get; init; }

    /// <summary>The new ETag, when written.</summary>
    public string? ETag { get; init; }

    /// <summary>The record as stored (with its new version), when written.</summary>
    public RunState? State { get; init; }

    /// <summary>The result of a lost race.</summary>
    public static StateWriteResult Conflict { get; } = new() { Written = false };
}
