using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>
/// Which versions of which spec blobs the watcher already handled, in a Storage table (one row per blob name:
/// the ETag last handled, the outcome and the run id), so a restarted host does not handle them again. Losing a
/// race is harmless: a second submission of the same spec starts nothing (the run id is the spec's hash).
/// </summary>
internal sealed class ProcessedSpecLedger
{
    private const string Partition = "models";
    private readonly TableClient _table;
    private int _created;

    public ProcessedSpecLedger(TableClient table) => _table = table;

    public async Task<bool> IsProcessedAsync(string blobName, ETag etag, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, RowKeyOf(blobName), ["BlobETag"], cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } entity && entity.GetString("BlobETag") == etag.ToString();
    }

    public async Task RecordAsync(string blobName, ETag etag, string outcome, string? runId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(Partition, RowKeyOf(blobName))
        {
            ["BlobName"] = blobName,
            ["BlobETag"] = etag.ToString(),
            ["Outcome"] = outcome,
            ["RunId"] = runId,
            ["ProcessedAt"] = DateTimeOffset.UtcNow,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    // Blob names may hold '/', which row keys may not, and may be longer than a row key: key by the name's hash.
    private static string RowKeyOf(string blobName) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blobName)));

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _created, 1);
        }
    }
}
