using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>
/// Polls the <c>models</c> container for new or changed <c>{name}.opt.json</c> specs and submits each valid one; an
/// invalid one gets <c>{name}.opt.error.json</c> next to it with every problem. Each blob version (name and ETag) is
/// handled once, across restarts (<see cref="ProcessedSpecLedger"/>); a transient failure leaves it for the next poll.
/// </summary>
public sealed class BlobSpecWatcher : BackgroundService
{
    /// <summary>The suffix of the blobs watched.</summary>
    public const string SpecSuffix = ".opt.json";

    /// <summary>The suffix of the problem reports written for invalid specs.</summary>
    public const string ErrorSuffix = ".opt.error.json";

    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly BlobContainerClient _models;
    private readonly ProcessedSpecLedger _ledger;
    private readonly SpecIntake _intake;
    private readonly IngestionOptions _options;
    private readonly ILogger<BlobSpecWatcher> _logger;

    /// <summary>Watches the <c>models</c> container of <see cref="IngestionOptions.ConnectionString"/>.</summary>
    public BlobSpecWatcher(SpecIntake intake, IOptions<IngestionOptions> options, ILogger<BlobSpecWatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(intake);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _intake = intake;
        _logger = logger;
        _models = new BlobServiceClient(_options.ConnectionString).GetBlobContainerClient(ArtifactLayout.ModelsContainer);
        _ledger = new ProcessedSpecLedger(new Azure.Data.Tables.TableClient(_options.ConnectionString, _options.ProcessedSpecsTable));
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
            if (!item.Name.EndsWith(SpecSuffix, StringComparison.Ordinal) || item.Properties.ETag is not { } etag)
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

        var errorBlob = _models.GetBlobClient(name[..^SpecSuffix.Length] + ErrorSuffix);
        var result = await _intake.SubmitAsync(json, cancellationToken).ConfigureAwait(false);
        if (result.Submitted is { } submitted)
        {
            await errorBlob.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await _ledger.RecordAsync(name, etag, submitted.Started ? "started" : "duplicate", submitted.RunId, cancellationToken).ConfigureAwait(false);
            IngestionLog.SpecBlobSubmitted(_logger, name, submitted.RunId, submitted.Started);
            return true;
        }

        var report = new SpecErrorReport(name, etag.ToString(), DateTimeOffset.UtcNow, result.Problems);
        await errorBlob.UploadAsync(BinaryData.FromObjectAsJson(report, ReportJson), overwrite: true, cancellationToken).ConfigureAwait(false);
        await _ledger.RecordAsync(name, etag, "rejected", null, cancellationToken).ConfigureAwait(false);
        IngestionLog.SpecBlobRejected(_logger, name, result.Problems.Count, errorBlob.Name);
        return true;
    }
}

/// <summary>The content of <c>{name}.opt.error.json</c>: why the spec next to it did not start a run.</summary>
/// <param name="Spec">The spec blob's name in <c>models</c>.</param>
/// <param name="ETag">The version of the spec blob that was read.</param>
/// <param name="CheckedAt">When it was checked.</param>
/// <param name="Problems">Every problem, each with its JSON path and fix.</param>
public sealed record SpecErrorReport(string Spec, string ETag, DateTimeOffset CheckedAt, IReadOnlyList<SpecProblem> Problems);
