using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>
/// The Durable Task backend the sidecar serves: one object that is both the orchestration service (work items) and
/// its client (start, query, terminate), built from <see cref="DurableEngineOptions"/>. One per process.
/// </summary>
public sealed class DurableBackend : IDisposable
{
    private DurableBackend(IOrchestrationService service, IOrchestrationServiceClient client, DurableBackendKind kind)
    {
        Service = service;
        Client = client;
        Kind = kind;
    }

    /// <summary>The backend as the dispatchers see it (a safe start/stop life cycle and this host's concurrency limits).</summary>
    public IOrchestrationService Service { get; }

    /// <summary>The backend as clients see it.</summary>
    public IOrchestrationServiceClient Client { get; }

    /// <summary>Which backend this is.</summary>
    public DurableBackendKind Kind { get; }

    /// <summary>Creates the backend that <paramref name="options"/> choose.</summary>
    public static DurableBackend Create(IOptions<DurableEngineOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var o = options.Value;
        var logger = loggers.CreateLogger<DurableBackend>();
        if (o.Backend == DurableBackendKind.InMemory)
        {
            var memory = new InMemoryOrchestrationService(loggers);
            return new DurableBackend(new GuardedOrchestrationService(memory, o.MaxConcurrentActivities, o.MaxConcurrentOrchestrations, logger), memory, o.Backend);
        }

        // A running activity's lock is renewed at a third of the visibility timeout, so two renewals can fail in a row
        // before another process may take the message.
        var service = new AzureStorageOrchestrationService(SettingsOf(o, loggers));
        var guarded = new GuardedOrchestrationService(service, o.MaxConcurrentActivities, o.MaxConcurrentOrchestrations, logger, o.WorkItemVisibilityTimeout / 3);
        return new DurableBackend(guarded, service, o.Backend);
    }

    /// <summary>The Azure Storage backend's settings for <paramref name="options"/>.</summary>
    internal static AzureStorageOrchestrationServiceSettings SettingsOf(DurableEngineOptions options, ILoggerFactory loggers)
    {
        // Renew and retry well within one lease so that a live process never loses its partitions and a restarted one
        // picks up a dead one's partitions soon after they expire.
        var third = options.LeaseInterval / 3;
        var tenSeconds = TimeSpan.FromSeconds(10);
        return new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHubName,
            StorageAccountClientProvider = options.RequireStorage().CreateDurableClientProvider(),
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            PartitionCount = options.PartitionCount,
            WorkItemQueueVisibilityTimeout = options.WorkItemVisibilityTimeout,
            ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,
            LeaseInterval = options.LeaseInterval,
            LeaseRenewInterval = third < tenSeconds ? third : tenSeconds,
            LeaseAcquireInterval = third < tenSeconds ? third : tenSeconds,
            LoggerFactory = loggers,
        };
    }

    /// <inheritdoc />
    public void Dispose() => (Client as IDisposable)?.Dispose();
}
