using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>
/// The backend as the sidecar's dispatchers see it, with a safe start/stop life cycle and this host's concurrency.
/// The sidecar starts and stops the backend from <c>async void</c> lifetime callbacks, so an exception there ends the
/// process: the Azure Storage backend throws when stopped before (or while) it starts, which a host stopped soon
/// after starting does. Here a stop waits for a start in progress, skips a backend that never started, logs instead
/// of throwing, and a start after a stop does nothing. Everything else passes through.
/// </summary>
internal sealed partial class GuardedOrchestrationService : IOrchestrationService
{
    private readonly IOrchestrationService _inner;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _start;
    private bool _stopped;

    public GuardedOrchestrationService(IOrchestrationService inner, int maxActivities, int maxOrchestrations, ILogger logger)
    {
        _inner = inner;
        _logger = logger;
        MaxConcurrentTaskActivityWorkItems = maxActivities;
        MaxConcurrentTaskOrchestrationWorkItems = maxOrchestrations;
    }

    public int MaxConcurrentTaskActivityWorkItems { get; }

    public int MaxConcurrentTaskOrchestrationWorkItems { get; }

    public int TaskOrchestrationDispatcherCount => _inner.TaskOrchestrationDispatcherCount;

    public int TaskActivityDispatcherCount => _inner.TaskActivityDispatcherCount;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => _inner.EventBehaviourForContinueAsNew;

    public Task StartAsync()
    {
        lock (_gate)
        {
            return _stopped ? Task.CompletedTask : _start ??= _inner.StartAsync();
        }
    }

    public Task StopAsync() => StopAsync(isForced: false);

    public async Task StopAsync(bool isForced)
    {
        Task? start;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            start = _start;
        }

        if (start is null)
        {
            return;
        }

        try
        {
            await start.ConfigureAwait(false);
            await _inner.StopAsync(isForced).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Called from the sidecar's async void stop callback: any exception would end the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            StopFailed(_logger, ex);
        }
    }

    public Task CreateAsync() => _inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => _inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => _inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => _inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => _inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        _inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => _inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => _inner.GetDelayInSecondsAfterOnFetchException(exception);

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        _inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => _inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState) =>
        _inner.CompleteTaskOrchestrationWorkItemAsync(
            workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => _inner.AbandonTaskOrchestrationWorkItemAsync(workItem);

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => _inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        _inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => _inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
        _inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => _inner.AbandonTaskActivityWorkItemAsync(workItem);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Stopping the durable backend failed; its leases expire on their own")]
    private static partial void StopFailed(ILogger logger, Exception exception);
}
