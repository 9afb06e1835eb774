using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Orchestration.Optimization;

/// <summary>A run's candidates in the artifact store (<c>runs/{runId}/candidates/{hash}.onnx</c>), written once.</summary>
public sealed class RunCandidateCache : ICandidateCache
{
    private readonly IArtifactStore _store;
    private readonly string _runId;

    /// <summary>Creates the cache of <paramref name="runId"/>.</summary>
    public RunCandidateCache(IArtifactStore store, string runId)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _runId = runId;
    }

    /// <inheritdoc />
    public async Task<bool> TryFetchAsync(string hash, string localPath, CancellationToken cancellationToken = default)
    {
        try
        {
            await _store.DownloadToFileAsync(ArtifactLayout.Candidate(_runId, hash), localPath, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ArtifactNotFoundException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public Task StoreAsync(string hash, string localPath, CancellationToken cancellationToken = default) =>
        _store.PutCandidateFileIfAbsentAsync(_runId, hash, localPath, cancellationToken);
}
