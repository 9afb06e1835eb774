using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>
/// Polls the <c>models</c> container for new or changed <c>{name}.opt.json</c> specs (<see cref="SpecDrop"/>) and
/// submits each through <see cref="OptimizationApi.SubmitDroppedSpecAsync"/>, the same intake as the HTTP API and
/// the Functions blob trigger: a rejected one gets <c>{name}.opt.error.json</c> (a <see cref="SpecRejection"/>) next
/// to it with every problem. Each blob version (name and ETag) is handled once, across restarts
/// (<see cref="ProcessedSpecLedger"/>); a transient failure leaves it for the next poll.
/// </summary>
public sealed class BlobSpecWatcher : BackgroundService
{
    private readonly BlobContainerClient _models;
    private readonly ProcessedSpecLedger _ledger;
    private readonly OptimizationApi _api;
    private readonly IngestionOptions _options;
    private readonly ILogger<BlobSpecWatcher> _logger;

    /// <summary>Watches the <c>models</c> container of the ingestion's storage connection.</summary>
    public BlobSpecWatcher(OptimizationApi api, IOptions<IngestionOptions> options, ILogger<BlobSpecWatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _api = api;
        _logger = logger;
        var storage = _options.RequireStorage();
        _models = storage.CreateBlobServiceClient().GetBlobContainerClient(ArtifactLayout.ModelsContainer);
        _ledger = new ProcessedSpecLedger(storage.CreateTableClient(_options.ProcessedSpecsTable));
    }

    /// <summary>Lists <c>models/</c> once and handles every spec version not handled before; returns how many it handled.</summary>
    public async Task<int> ScanOnceAsync(CancellationToken cancellationToken = default)
    {
        if (!await _models.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var handled = 0;
        await foreach (var item in _models.GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!SpecDrop.IsSpec(item.Name) || item.Properties.ETag is not { } etag)
            {
                continue;
            }

            try
            {
                if (!await _ledger.IsProcessedAsync(item.Name, etag, cancellationToken).ConfigureAwait(false))
                {
                    handled += await HandleAsync(item.Name, etag, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                }
            }
            catch (Exception ex) when (ex is RequestFailedException or Grpc.Core.RpcException or IOException)
            {
                IngestionLog.SpecBlobDeferred(_logger, item.Name, ex);
            }
        }

        return handled;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IngestionLog.BlobWatcherStarted(_logger, _models.Uri, _options.BlobPollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScanOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex)
            {
                IngestionLog.BlobScanFailed(_logger, ex);
            }

            try
            {
                await Task.Delay(_options.BlobPollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> HandleAsync(string name, ETag etag, CancellationToken cancellationToken)
    {
        var blob = _models.GetBlobClient(name);
        string json;
        try
        {
            var content = await blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken).ConfigureAwait(false);
            json = content.Value.Content.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Deleted or replaced since the listing: the next poll sees the new version.
            return false;
        }

        SubmissionOutcome outcome;
        try
        {
            outcome = await _api.SubmitDroppedSpecAsync(name, json, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidArtifactPathException ex)
        {
            // A name the store refuses cannot get an error record next to it either; handled, so it is not retried.
            await _ledger.RecordAsync(name, etag, "rejected", null, cancellationToken).ConfigureAwait(false);
            IngestionLog.SpecBlobNameRefused(_logger, name, ex.Message);
            return true;
        }

        var errorRecord = SpecDrop.ErrorRecordOf(name);
        if (outcome.Problem is { } problem)
        {
            await _ledger.RecordAsync(name, etag, "rejected", null, cancellationToken).ConfigureAwait(false);
            IngestionLog.SpecBlobRejected(_logger, name, problem.Errors?.Count ?? 1, errorRecord.ToString());
            return true;
        }

        // An earlier version of this spec may have been rejected: its error record no longer applies.
        await _models.GetBlobClient(errorRecord.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _ledger.RecordAsync(name, etag, outcome.Started ? "started" : "duplicate", outcome.RunId, cancellationToken).ConfigureAwait(false);
        IngestionLog.SpecBlobSubmitted(_logger, name, outcome.RunId!, outcome.Started);
        return true;
    }
}
