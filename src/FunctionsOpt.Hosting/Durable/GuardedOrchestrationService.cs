using System.Collections.Concurrent;
using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>
/// The backend as the sidecar's dispatchers see it, with a safe start/stop life cycle and this host's concurrency.
/// The sidecar starts and stops the backend from <c>async void</c> lifetime callbacks, so an exception there ends the
/// process: the Azure Storage backend throws when stopped before (or while) it starts, which a host stopped soon
/// after starting does. Here a stop waits for a start in progress, skips a backend that never started, logs instead
/// of throwing, and a start after a stop does nothing. It also renews the lock of every activity work item until the
/// item is completed or abandoned, which the sidecar's dispatcher never does: on Azure Storage an activity (a trial)
/// running longer than the queue's visibility timeout was dequeued again while it ran, its completion then failed to
/// delete the message (stale pop receipt), and the message came back, so a trial longer than the timeout ran again
/// and again. Everything else passes through.
/// </summary>
internal sealed partial class GuardedOrchestrationService : IOrchestrationService
{
    private readonly IOrchestrationService _inner;
    private readonly ILogger _logger;
    private readonly TimeSpan? _activityLockRenewal;
    private readonly ConcurrentDictionary<string, Renewal> _renewals = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Task? _start;
    private bool _stopped;

    /// <param name="inner">The backend.</param>
    /// <param name="maxActivities">Most activity work items at once.</param>
    /// <param name="maxOrchestrations">Most orchestration work items at once.</param>
    /// <param name="logger">Where failures that must not throw are logged.</param>
    /// <param name="activityLockRenewal">How often a running activity's lock is renewed (a fraction of the backend's lock time); null renews nothing.</param>
    public GuardedOrchestrationService(IOrchestrationService inner, int maxActivities, int maxOrchestrations, ILogger logger, TimeSpan? activityLockRenewal = null)
    {
        _inner = inner;
        _logger = logger;
        _activityLockRenewal = activityLockRenewal;
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

    public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await _inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken).ConfigureAwait(false);
        if (workItem is not null && _activityLockRenewal is { } interval)
        {
            var stop = new CancellationTokenSource();
            var renewal = new Renewal(stop, RenewUntilStoppedAsync(workItem, interval, stop.Token));
            if (!_renewals.TryAdd(workItem.Id, renewal))
            {
                // Already renewed (the backend handed out the same message twice): one loop is enough.
                await renewal.StopAsync().ConfigureAwait(false);
            }
        }

        return workItem!;
    }

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => _inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        // Stop renewing first: a renewal racing the delete would change the pop receipt under it.
        await StopRenewingAsync(workItem).ConfigureAwait(false);
        await _inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage).ConfigureAwait(false);
    }

    public async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        await StopRenewingAsync(workItem).ConfigureAwait(false);
        await _inner.AbandonTaskActivityWorkItemAsync(workItem).ConfigureAwait(false);
    }

    private Task StopRenewingAsync(TaskActivityWorkItem workItem) =>
        workItem is not null && _renewals.TryRemove(workItem.Id, out var renewal) ? renewal.StopAsync() : Task.CompletedTask;

    private async Task RenewUntilStoppedAsync(TaskActivityWorkItem workItem, TimeSpan interval, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, stop).ConfigureAwait(false);
                await _inner.RenewTaskActivityWorkItemLockAsync(workItem).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Completed or abandoned.
        }
#pragma warning disable CA1031 // A failed renewal must not end the process; the item is then redelivered after its lock expires.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RenewFailed(_logger, workItem.Id, ex);
        }
    }

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Stopping the durable backend failed; its leases expire on their own")]
    private static partial void StopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Renewing the lock of activity work item {WorkItemId} failed; it is redelivered once the lock expires")]
    private static partial void RenewFailed(ILogger logger, string workItemId, Exception exception);

    /// <summary>One running activity's renewal loop and how to stop it.</summary>
    private sealed class Renewal(CancellationTokenSource stop, Task loop)
    {
        public async Task StopAsync()
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(false);
            stop.Dispose();
        }
    }
}
