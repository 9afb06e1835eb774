using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>
/// The artifact store on a local folder, with the same layout as Blob Storage: <c>{root}/models/...</c> and
/// <c>{root}/runs/{runId}/...</c>. Every write goes to a temporary file under <c>{root}/.tmp</c> (flushed to disk)
/// and is then renamed into place, so readers see whole files only. Write-once checks for the target and renames
/// while holding an exclusive lock file (exactly one concurrent writer wins); state writes hold a per-run lock file
/// while they compare the stored record's ETag (a hash of its bytes) and replace it. The locks live under
/// <c>{root}/.locks</c> and are <c>flock</c> locks, so they also exclude other processes sharing the folder on the
/// same machine (not across machines on a network share). Folders starting with '.' are internal and never listed.
/// </summary>
public sealed class LocalFolderArtifactStore : IArtifactStore
{
    private readonly string _tempDirectory;
    private readonly string _lockDirectory;
    private readonly int _maxAttempts;
    private readonly TimeSpan _lockTimeout;
    private readonly ILogger _logger;

    /// <summary>Creates the store on <see cref="ArtifactStoreOptions.LocalRoot"/> (created if missing).</summary>
    public LocalFolderArtifactStore(ArtifactStoreOptions options, ILogger<LocalFolderArtifactStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.LocalRoot);
        Root = Path.GetFullPath(options.LocalRoot);
        _tempDirectory = Path.Combine(Root, ".tmp");
        _lockDirectory = Path.Combine(Root, ".locks");
        _maxAttempts = options.StateUpdateMaxAttempts;
        _lockTimeout = options.LocalLockTimeout;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Directory.CreateDirectory(_tempDirectory);
        Directory.CreateDirectory(_lockDirectory);
    }

    /// <summary>Creates the store on <paramref name="root"/> with default options.</summary>
    public LocalFolderArtifactStore(string root, ILogger<LocalFolderArtifactStore>? logger = null)
        : this(new ArtifactStoreOptions { Kind = ArtifactStoreKind.Local, LocalRoot = root }, logger)
    {
    }

    /// <summary>The full path of the root folder.</summary>
    public string Root { get; }

    /// <summary>The local file an artifact is stored in (whether or not it exists).</summary>
    public string FilePath(ArtifactPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(Path.Combine(Root, path.ContainerName, path.Name.Replace('/', Path.DirectorySeparatorChar)));
        // ArtifactPath already refuses "..", rooted names and odd characters; this is a second, independent check.
        return full.StartsWith(Path.Combine(Root, path.ContainerName) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new InvalidArtifactPathException(path.Name, "it resolves outside the store's folder");
    }

    /// <inheritdoc />
    public async Task UploadAsync(ArtifactPath path, Stream content, CancellationToken cancellationToken = default)
    {
        var target = FilePath(path);
        var temp = await WriteTempAsync(content, cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target, overwrite: true);
            ArtifactStoreLog.Written(_logger, path);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <inheritdoc />
    public async Task<bool> UploadIfAbsentAsync(ArtifactPath path, Stream content, CancellationToken cancellationToken = default)
    {
        var target = FilePath(path);
        if (File.Exists(target))
        {
            ArtifactStoreLog.Reused(_logger, path);
            return false;
        }

        var temp = await WriteTempAsync(content, cancellationToken);
        try
        {
            // .NET's File.Move without overwrite checks for the target and then renames, which two writers can both
            // pass; the check and the rename therefore happen under an exclusive lock (one of 64 stripes by path).
            await using (await LockAsync(PublishLockFile(path), path.ToString(), cancellationToken))
            {
                if (File.Exists(target))
                {
                    ArtifactStoreLog.Reused(_logger, path);
                    return false;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(temp, target, overwrite: true);
            }

            ArtifactStoreLog.Written(_logger, path);
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(ArtifactPath path, CancellationToken cancellationToken = default)
    {
        var file = FilePath(path);
        try
        {
            return Task.FromResult<Stream>(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, useAsync: true));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArtifactNotFoundException(path, ex);
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(ArtifactPath path, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(FilePath(path)));

    /// <inheritdoc />
    public async IAsyncEnumerable<ArtifactInfo> ListAsync(ArtifactContainer container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (ArtifactNames.CheckPrefix(prefix) is { } problem)
        {
            throw new InvalidArtifactPathException(prefix, problem);
        }

        var containerDirectory = Path.Combine(Root, ArtifactLayout.ContainerName(container));
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? containerDirectory : Path.Combine(containerDirectory, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(start))
        {
            yield break;
        }

        var entries = new List<(string Name, FileInfo File)>();
        foreach (var file in new DirectoryInfo(start).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(containerDirectory, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (name.StartsWith(prefix, StringComparison.Ordinal) && ArtifactNames.CheckName(name) is null)
            {
                entries.Add((name, file));
            }
        }

        foreach (var (name, file) in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ArtifactInfo(ArtifactPath.Create(container, name), file.Length, file.LastWriteTimeUtc);
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<StateSnapshot?> ReadStateAsync(string runId, CancellationToken cancellationToken = default)
    {
        var path = ArtifactLayout.State(runId);
        var bytes = await ReadIfExistsAsync(FilePath(path), cancellationToken);
        return bytes is null ? null : new StateSnapshot(Deserialize(path, bytes), ETagOf(bytes));
    }

    /// <inheritdoc />
    public async Task<StateWriteResult> TryWriteStateAsync(RunState state, string? expectedETag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var path = ArtifactLayout.State(state.RunId);
        var target = FilePath(path);
        FileStream runLock;
        try
        {
            runLock = await LockAsync(Path.Combine(_lockDirectory, "state-" + state.RunId + ".lock"), "state of run " + state.RunId, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new StateConflictException(state.RunId, ex.Message);
        }

        await using var held = runLock;
        var current = await ReadIfExistsAsync(target, cancellationToken);
        var matches = expectedETag is null ? current is null : current is not null && string.Equals(ETagOf(current), expectedETag, StringComparison.Ordinal);
        if (!matches)
        {
            return StateWriteResult.Conflict;
        }

        var stored = state with { Version = state.Version + 1 };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(stored, JsonDefaults.Options);
        using (var content = new MemoryStream(bytes, writable: false))
        {
            var temp = await WriteTempAsync(content, cancellationToken);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(temp, target, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }
        }

        ArtifactStoreLog.StateWritten(_logger, stored.RunId, stored.Version);
        return new StateWriteResult { Written = true, ETag = ETagOf(bytes), State = stored };
    }

    /// <inheritdoc />
    public Task<RunState> UpdateStateAsync(string runId, Func<RunState, RunState> mutate, CancellationToken cancellationToken = default) =>
        StateUpdater.UpdateAsync(this, runId, mutate, _maxAttempts, _logger, cancellationToken);

    internal static RunState Deserialize(ArtifactPath path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<RunState>(bytes, JsonDefaults.Options)
                ?? throw new JsonException("The document is JSON null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidStateRecordException(path, ex);
        }
    }

    private static string ETagOf(byte[] bytes) => "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"";

    private static async Task<byte[]?> ReadIfExistsAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(file, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private async Task<string> WriteTempAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var temp = Path.Combine(_tempDirectory, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await content.CopyToAsync(file, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
            return temp;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private string PublishLockFile(ArtifactPath path)
    {
        var stripe = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path.ToString()))[0] & 63;
        return Path.Combine(_lockDirectory, string.Create(CultureInfo.InvariantCulture, $"publish-{stripe:00}.lock"));
    }

    private async Task<FileStream> LockAsync(string file, string what, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive flock on Unix: other handles, in this process or another, fail.
                return new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < _lockTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 6)), cancellationToken);
            }
            catch (IOException ex)
            {
                throw new TimeoutException($"The lock for '{what}' ({file}) stayed taken for {_lockTimeout.TotalSeconds:0.#} s ({ex.Message}); check for a hung process using the same folder.", ex);
            }
        }
    }
}
