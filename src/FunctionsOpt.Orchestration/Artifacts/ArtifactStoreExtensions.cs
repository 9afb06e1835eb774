namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>File and candidate helpers over any <see cref="IArtifactStore"/>.</summary>
public static class ArtifactStoreExtensions
{
    /// <summary>Uploads a local file (create or replace, atomically).</summary>
    public static async Task UploadFileAsync(this IArtifactStore store, ArtifactPath path, string localFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var stream = OpenLocal(localFile);
        await store.UploadAsync(path, stream, cancellationToken);
    }

    /// <summary>
    /// Downloads to a local file, replacing it atomically: the bytes go to a temporary file in the same folder that
    /// is renamed over <paramref name="localFile"/> only once complete.
    /// </summary>
    /// <exception cref="ArtifactNotFoundException">The artifact does not exist (the local file is left untouched).</exception>
    public static async Task DownloadToFileAsync(this IArtifactStore store, ArtifactPath path, string localFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var full = Path.GetFullPath(localFile);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + "." + Guid.NewGuid().ToString("N") + ".partial";
        try
        {
            await using (var source = await store.OpenReadAsync(path, cancellationToken))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await source.CopyToAsync(target, cancellationToken);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Stores a content-addressed candidate at <c>runs/{runId}/candidates/{hash}.onnx</c> unless it is already there;
    /// returns true when this call wrote it. Safe under concurrent writers of the same hash (one writes, the content
    /// stays intact) and under redelivery (the second call reuses the first's file).
    /// </summary>
    public static Task<bool> PutCandidateIfAbsentAsync(this IArtifactStore store, string runId, string hash, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.UploadIfAbsentAsync(ArtifactLayout.Candidate(runId, hash), content, cancellationToken);
    }

    /// <summary>Stores a candidate file unless one with the same hash exists; see <see cref="PutCandidateIfAbsentAsync(IArtifactStore, string, string, Stream, CancellationToken)"/>.</summary>
    public static async Task<bool> PutCandidateFileIfAbsentAsync(this IArtifactStore store, string runId, string hash, string localFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var path = ArtifactLayout.Candidate(runId, hash);
        if (await store.ExistsAsync(path, cancellationToken))
        {
            return false;
        }

        await using var stream = OpenLocal(localFile);
        return await store.UploadIfAbsentAsync(path, stream, cancellationToken);
    }

    private static FileStream OpenLocal(string localFile) =>
        new(localFile, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
}
