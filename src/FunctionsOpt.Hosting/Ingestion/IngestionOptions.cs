using System.ComponentModel.DataAnnotations;
using FunctionsOpt.Hosting.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>
/// Settings of the portable host's two non-HTTP entry points, the <c>models/*.opt.json</c> blob watcher and the
/// <c>optimization-requests</c> queue listener, bound from <see cref="SectionName"/> and validated at start.
/// </summary>
public sealed class IngestionOptions
{
    /// <summary>Configuration section these options bind to.</summary>
    public const string SectionName = "FunctionsOpt:Ingestion";

    /// <summary>
    /// A connection string to the storage account holding the <c>models</c> container, the queues and the ledger table
    /// (Azurite locally). When unset, the identity-based <c>AzureWebJobsStorage</c> section is used (what infra writes
    /// in Azure; see <see cref="StorageConnection.Resolve"/>).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The resolved connection (set after binding; never bound from configuration).</summary>
    internal StorageConnection? Storage { get; set; }

    /// <summary>Why no connection could be resolved, for the validator.</summary>
    internal string? StorageProblem { get; set; }

    /// <summary>The resolved connection, or one from <see cref="ConnectionString"/> when these options were built by hand.</summary>
    internal StorageConnection RequireStorage() =>
        StorageConnection.Require(Storage, ConnectionString, StorageProblem, $"{SectionName}:ConnectionString");

    /// <summary>Whether to watch <c>models/</c> for new or changed <c>*.opt.json</c> specs. Default true.</summary>
    public bool BlobWatcherEnabled { get; set; } = true;

    /// <summary>How long the blob watcher waits between two listings of <c>models/</c>. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan BlobPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The table recording which spec blob versions (name and ETag) were already handled, so a restart does not
    /// handle them again. Default <c>FunctionsOptProcessedSpecs</c>.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string ProcessedSpecsTable { get; set; } = "FunctionsOptProcessedSpecs";

    /// <summary>Whether to listen on <see cref="RequestQueueName"/>. Default true.</summary>
    public bool QueueListenerEnabled { get; set; } = true;

    /// <summary>The queue of optimization requests (one spec JSON per message, plain or base64). Default <c>optimization-requests</c>.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string RequestQueueName { get; set; } = "optimization-requests";

    /// <summary>Where rejected messages go, wrapped with the reason. Default <c>optimization-requests-poison</c>.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string PoisonQueueName { get; set; } = "optimization-requests-poison";

    /// <summary>How long the queue listener waits after finding the queue empty. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A message received more often than this goes to the poison queue unprocessed. Default 5.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a received message stays invisible while it is handled. Default 1 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan QueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most messages received at once. Default 16 (1-32).</summary>
    [Range(1, 32)]
    public int QueueBatchSize { get; set; } = 16;
}

/// <summary>Resolves and checks the ingestion's storage connection.</summary>
internal sealed class IngestionStorageResolver(IConfiguration configuration) : IPostConfigureOptions<IngestionOptions>, IValidateOptions<IngestionOptions>
{
    public void PostConfigure(string? name, IngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (options.Storage, options.StorageProblem) = StorageConnection.ResolveFor($"{IngestionOptions.SectionName}:ConnectionString", options.ConnectionString, configuration);
    }

    public ValidateOptionsResult Validate(string? name, IngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.StorageProblem is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
