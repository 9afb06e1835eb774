using FunctionsOpt.Hosting.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>Which Durable Task backend stores the orchestrations.</summary>
public enum DurableBackendKind
{
    /// <summary>
    /// Azure Storage (queues, tables, blobs; Azurite locally): durable across restarts and shareable by several host
    /// processes on the same task hub.
    /// </summary>
    AzureStorage,

    /// <summary>In memory: nothing survives the process (embedded runs and tests).</summary>
    InMemory,
}

/// <summary>
/// Settings of the portable host's durable engine (backend, task hub, concurrency, polling), bound from
/// <see cref="SectionName"/> and validated at start.
/// </summary>
public sealed class DurableEngineOptions
{
    /// <summary>Configuration section these options bind to.</summary>
    public const string SectionName = "FunctionsOpt:DurableEngine";

    /// <summary>The backend. Default <see cref="DurableBackendKind.AzureStorage"/>.</summary>
    public DurableBackendKind Backend { get; set; } = DurableBackendKind.AzureStorage;

    /// <summary>
    /// Azure Storage only: the storage connection string (<c>UseDevelopmentStorage=true</c> or Azurite's, or an account
    /// key). When unset, the identity-based <c>AzureWebJobsStorage</c> section is used (what infra writes in Azure, where
    /// shared-key access is off; see <see cref="StorageConnection.Resolve"/>).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The resolved connection (set after binding; never bound from configuration).</summary>
    internal StorageConnection? Storage { get; set; }

    /// <summary>Why no connection could be resolved, for the validator.</summary>
    internal string? StorageProblem { get; set; }

    /// <summary>The resolved connection, or one from <see cref="ConnectionString"/> when these options were built by hand.</summary>
    internal StorageConnection RequireStorage() =>
        StorageConnection.Require(Storage, ConnectionString, StorageProblem, $"{SectionName}:ConnectionString");

    /// <summary>
    /// Azure Storage only: the task hub name (3-45 letters and digits, starting with a letter). Every host process
    /// sharing one task hub shares its runs and its work. Default <c>FunctionsOpt</c>.
    /// </summary>
    public string TaskHubName { get; set; } = "FunctionsOpt";

    /// <summary>Most activities (trials) this process runs at once. Default 2 (1-1000).</summary>
    public int MaxConcurrentActivities { get; set; } = 2;

    /// <summary>Most orchestration episodes this process runs at once. Default 16 (1-1000).</summary>
    public int MaxConcurrentOrchestrations { get; set; } = 16;

    /// <summary>
    /// Azure Storage only: the longest wait between two polls of an idle queue (the backend backs off up to this).
    /// Lower it for local runs (1 s); the Azure default is 30 s. Default 5 s (100 ms-5 min).
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Azure Storage only: control-queue partitions of a new task hub (fixed once the hub exists). Default 4 (1-16).</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// Azure Storage only: how long a dequeued activity message stays invisible to other workers. A message taken by
    /// a process that died is retried after this; a live process renews the lock of an activity it runs every third of
    /// this, so a trial may run longer. Default 5 min (10 s-1 h).
    /// </summary>
    public TimeSpan WorkItemVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Azure Storage only: how long a dequeued orchestration (control-queue) message stays invisible to other
    /// processes. The backend prefetches these messages, so a process that dies holds some of them; a restarted or
    /// surviving process sees them again only after this, and a run waits at least this long after a crash. Within one
    /// process a message that reappears is recognised as the same message. Default 5 min (10 s-1 h), Azure's default.
    /// </summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Azure Storage only: how long a partition lease lasts without renewal; a process that died releases its
    /// partitions after this. Default 30 s (10 s-5 min).
    /// </summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The loopback port of the in-process gRPC sidecar; 0 picks a free one. Default 0.</summary>
    public int SidecarPort { get; set; }

    /// <summary>
    /// How often the sidecar sends the worker a health ping on its work-item stream. The worker treats a stream that
    /// carries nothing for 120 s as dead and reconnects; pings keep an idle stream (long trials, a run waiting for a
    /// crashed process's messages) alive. Default 20 s (100 ms-10 min).
    /// </summary>
    public TimeSpan HealthPingInterval { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>Checks <see cref="DurableEngineOptions"/> and says how to fix every problem at once.</summary>
internal sealed class DurableEngineOptionsValidator : IValidateOptions<DurableEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, DurableEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = DurableEngineOptions.SectionName;
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Backend))
        {
            failures.Add($"{S}:Backend '{options.Backend}' is unknown; use AzureStorage or InMemory.");
        }

        if (options.Backend == DurableBackendKind.AzureStorage)
        {
            if (options.StorageProblem is { } problem)
            {
                failures.Add(problem + " The AzureStorage backend needs it.");
            }
            else if (options.Storage is null && string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                failures.Add($"{S}:ConnectionString is required for the AzureStorage backend; set it (UseDevelopmentStorage=true for Azurite).");
            }

            if (!IsTaskHubName(options.TaskHubName))
            {
                failures.Add($"{S}:TaskHubName '{options.TaskHubName}' must be 3-45 letters and digits starting with a letter.");
            }
        }

        Range(failures, "MaxConcurrentActivities", options.MaxConcurrentActivities, 1, 1000);
        Range(failures, "MaxConcurrentOrchestrations", options.MaxConcurrentOrchestrations, 1, 1000);
        Range(failures, "PartitionCount", options.PartitionCount, 1, 16);
        Range(failures, "SidecarPort", options.SidecarPort, 0, 65535);
        Range(failures, "MaxQueuePollingInterval", options.MaxQueuePollingInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Range(failures, "WorkItemVisibilityTimeout", options.WorkItemVisibilityTimeout, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));
        Range(failures, "ControlQueueVisibilityTimeout", options.ControlQueueVisibilityTimeout, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));
        Range(failures, "LeaseInterval", options.LeaseInterval, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
        Range(failures, "HealthPingInterval", options.HealthPingInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsTaskHubName(string? name) =>
        name is { Length: >= 3 and <= 45 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);

    private static void Range<T>(List<string> failures, string key, T value, T min, T max)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            failures.Add($"{DurableEngineOptions.SectionName}:{key} is {value}; use a value from {min} to {max}.");
        }
    }
}

/// <summary>Resolves the engine's storage connection from its own setting or the <c>AzureWebJobsStorage</c> section.</summary>
internal sealed class DurableEngineStorageResolver(IConfiguration configuration) : IPostConfigureOptions<DurableEngineOptions>
{
    public void PostConfigure(string? name, DurableEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Backend == DurableBackendKind.AzureStorage)
        {
            (options.Storage, options.StorageProblem) = StorageConnection.ResolveFor($"{DurableEngineOptions.SectionName}:ConnectionString", options.ConnectionString, configuration);
        }
    }
}
