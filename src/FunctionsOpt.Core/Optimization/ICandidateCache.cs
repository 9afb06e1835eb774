namespace FunctionsOpt.Core.Optimization;

/// <summary>
/// Where built candidates are kept, keyed by their pipeline content hash (see
/// <see cref="Passes.Pipeline.PassPipeline.ComputeHash"/>). Because the hash covers every input of a build, a hit is
/// always the model the build would produce. Implementations are thread-safe; a store of a hash that already exists
/// keeps the existing content (write once).
/// </summary>
public interface ICandidateCache
{
    /// <summary>Copies the candidate with <paramref name="hash"/> to <paramref name="localPath"/>; false when it is not cached.</summary>
    Task<bool> TryFetchAsync(string hash, string localPath, CancellationToken cancellationToken = default);

    /// <summary>Stores the file at <paramref name="localPath"/> as the candidate <paramref name="hash"/> unless one is stored already.</summary>
    Task StoreAsync(string hash, string localPath, CancellationToken cancellationToken = default);
}

/// <summary>A candidate cache in a local folder: <c>{folder}/{hash}.onnx</c>, written through a temporary file and a rename.</summary>
public sealed class FolderCandidateCache : ICandidateCache
{
    private readonly string _folder;

    /// <summary>Creates the cache (the folder is created on first store).</summary>
    public FolderCandidateCache(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        _folder = Path.GetFullPath(folder);
    }

    /// <inheritdoc />
    public Task<bool> TryFetchAsync(string hash, string localPath, CancellationToken cancellationToken = default)
    {
        var source = PathOf(hash);
        if (!File.Exists(source))
        {
            return Task.FromResult(false);
        }

        File.Copy(source, localPath, overwrite: true);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task StoreAsync(string hash, string localPath, CancellationToken cancellationToken = default)
    {
        var target = PathOf(hash);
        if (File.Exists(target))
        {
            return Task.CompletedTask;
        }

        Directory.CreateDirectory(_folder);
        var temp = target + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".partial";
        File.Copy(localPath, temp, overwrite: true);
        try
        {
            File.Move(temp, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            // Another writer stored the same hash first; its content is the same model.
        }
        finally
        {
            File.Delete(temp);
        }

        return Task.CompletedTask;
    }

    private string PathOf(string hash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hash);
        if (!hash.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Candidate hash '{hash}' must be letters, digits, '-' or '_'.", nameof(hash));
        }

        return Path.Combine(_folder, hash + ".onnx");
    }
}
