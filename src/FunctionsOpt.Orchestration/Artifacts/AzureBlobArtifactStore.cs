using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>
/// The artifact store on Azure Blob Storage (Azurite locally): containers <c>models</c> and <c>runs</c>, created on
/// first use. Uploads are single atomic commits; write-once uses a conditional upload with <c>If-None-Match: *</c>
/// (exactly one concurrent writer wins); the state record is written with <c>If-Match: {ETag}</c>, or
/// <c>If-None-Match: *</c> when creating it. Thread-safe; share one instance.
/// </summary>
public sealed class AzureBlobArtifactStore : IArtifactStore
{
    private readonly BlobServiceClient _service;
    private readonly int _maxAttempts;
    private readonly ILogger _logger;
    private Task? _containersReady;

    /// <summary>Creates the store over an existing client (connection string, Azurite, or any credential).</summary>
    public AzureBlobArtifactStore(BlobServiceClient service, ArtifactStoreOptions? options = null, ILogger<AzureBlobArtifactStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
        _maxAttempts = (options ?? new ArtifactStoreOptions()).StateUpdateMaxAttempts;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Creates the store from a storage connection string (Azurite locally).</summary>
    public AzureBlobArtifactStore(string connectionString, ArtifactStoreOptions? options = null, ILogger<AzureBlobArtifactStore>? logger = null)
        : this(new BlobServiceClient(connectionString), options, logger)
    {
    }

    /// <summary>
    /// Creates the store for the blob service at <paramref name="accountUri"/> with a token credential (managed
    /// identity in Azure). Not exercised by this repository's tests, which run on Azurite with a connection string.
    /// </summary>
    public AzureBlobArtifactStore(Uri accountUri, TokenCredential credential, ArtifactStoreOptions? options = null, ILogger<AzureBlobArtifactStore>? logger = null)
        : this(new BlobServiceClient(accountUri, credential), options, logger)
    {
    }

    /// <inheritdoc />
    public async Task UploadAsync(ArtifactPath path, Stream content, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(path, cancellationToken);
        await blob.UploadAsync(content, overwrite: true, cancellationToken);
        ArtifactStoreLog.Written(_logger, path);
    }

    /// <inheritdoc />
    public async Task<bool> UploadIfAbsentAsync(ArtifactPath path, Stream content, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(path, cancellationToken);
        try
        {
            await blob.UploadAsync(content, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            ArtifactStoreLog.Written(_logger, path);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            ArtifactStoreLog.Reused(_logger, path);
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(ArtifactPath path, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(path, cancellationToken);
        try
        {
            var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new ArtifactNotFoundException(path, ex);
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(ArtifactPath path, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(path, cancellationToken);
        return (await blob.ExistsAsync(cancellationToken)).Value;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ArtifactInfo> ListAsync(ArtifactContainer container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (ArtifactNames.CheckPrefix(prefix) is { } problem)
        {
            throw new InvalidArtifactPathException(prefix, problem);
        }

        await EnsureContainersAsync(cancellationToken);
        var client = _service.GetBlobContainerClient(ArtifactLayout.ContainerName(container));
        await foreach (var item in client.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix.Length == 0 ? null : prefix }, cancellationToken))
        {
            // Blob Storage lists in ordinal (UTF-8 byte) order, which for the allowed ASCII names is ordinal string order.
            if (ArtifactNames.CheckName(item.Name) is null)
            {
                yield return new ArtifactInfo(ArtifactPath.Create(container, item.Name), item.Properties.ContentLength ?? 0, item.Properties.LastModified);
            }
        }
    }

    /// <inheritdoc />
    public async Task<StateSnapshot?> ReadStateAsync(string runId, CancellationToken cancellationToken = default)
    {
        var path = ArtifactLayout.State(runId);
        var blob = await BlobAsync(path, cancellationToken);
        try
        {
            var response = await blob.DownloadContentAsync(cancellationToken);
            var state = LocalFolderArtifactStore.Deserialize(path, response.Value.Content.ToMemory().Span);
            return new StateSnapshot(state, response.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<StateWriteResult> TryWriteStateAsync(RunState state, string? expectedETag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var blob = await BlobAsync(ArtifactLayout.State(state.RunId), cancellationToken);
        var stored = state with { Version = state.Version + 1 };
        var conditions = expectedETag is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(expectedETag) };
        try
        {
            var response = await blob.UploadAsync(
                BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(stored, JsonDefaults.Options)),
                new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                cancellationToken);
            ArtifactStoreLog.StateWritten(_logger, stored.RunId, stored.Version);
            return new StateWriteResult { Written = true, ETag = response.Value.ETag.ToString(), State = stored };
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return StateWriteResult.Conflict;
        }
    }

    /// <inheritdoc />
    public Task<RunState> UpdateStateAsync(string runId, Func<RunState, RunState> mutate, CancellationToken cancellationToken = default) =>
        StateUpdater.UpdateAsync(this, runId, mutate, _maxAttempts, _logger, cancellationToken);

    private async Task<BlobClient> BlobAsync(ArtifactPath path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        await EnsureContainersAsync(cancellationToken);
        return _service.GetBlobContainerClient(path.ContainerName).GetBlobClient(path.Name);
    }

    /// <summary>
    /// Creates the <c>models</c> and <c>runs</c> containers if they are missing. Every operation does this first (once per
    /// store, retried after a failure); a host calls it at start so that a fresh account can take uploads into
    /// <c>models</c> before anything else touched the store. Idempotent and thread-safe.
    /// </summary>
    public Task EnsureContainersAsync(CancellationToken cancellationToken = default)
    {
        var task = Volatile.Read(ref _containersReady);
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            // A failed attempt is retried by the next call; two racing creations are harmless (create-if-not-exists).
            Interlocked.CompareExchange(ref _containersReady, CreateContainersAsync(), task);
            task = Volatile.Read(ref _containersReady)!;
        }

        return task.IsCompletedSuccessfully ? Task.CompletedTask : task.WaitAsync(cancellationToken);
    }

    private async Task CreateContainersAsync()
    {
        foreach (var name in new[] { ArtifactLayout.ModelsContainer, ArtifactLayout.RunsContainer })
        {
            var created = await _service.GetBlobContainerClient(name).CreateIfNotExistsAsync();
            if (created is not null)
            {
                ArtifactStoreLog.ContainerCreated(_logger, name);
            }
        }
    }
}
