using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Hosting.Durable;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Host.Tests.Durable;

[Collection(AzuriteGroup.Name)]
public sealed class GuardedOrchestrationServiceTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(10);

    private AzureStorageOrchestrationService NewBackend(string? taskHub = null) => new(DurableBackend.SettingsOf(
        new DurableEngineOptions
        {
            ConnectionString = azurite.ConnectionString,
            TaskHubName = taskHub ?? EngineHost.NewTaskHub(),
            PartitionCount = 1,
            WorkItemVisibilityTimeout = Visibility,
            LeaseInterval = TimeSpan.FromSeconds(10),
        },
        NullLoggerFactory.Instance));

    [Fact]
    public async Task StopAsync_BackendNeverStarted_CompletesWithoutTouchingIt()
    {
        var backend = NewBackend();
        var guarded = new GuardedOrchestrationService(backend, 3, 7, NullLogger.Instance);

        await guarded.StopAsync();
        await guarded.StartAsync();
        await guarded.StopAsync(isForced: true);

        Assert.Equal(3, guarded.MaxConcurrentTaskActivityWorkItems);
        Assert.Equal(7, guarded.MaxConcurrentTaskOrchestrationWorkItems);
    }

    [Fact]
    public async Task StopAsync_WhileStarting_WaitsForTheStartThenStopsAndLaterStartsDoNothing()
    {
        var backend = NewBackend();
        await backend.CreateIfNotExistsAsync();
        var guarded = new GuardedOrchestrationService(backend, 1, 1, NullLogger.Instance);

        var start = guarded.StartAsync();
        await guarded.StopAsync();
        await start;

        Assert.True(start.IsCompletedSuccessfully);
        Assert.True(guarded.StartAsync().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task LockNextTaskActivityWorkItem_RunningTwiceAsLongAsTheVisibilityTimeout_StaysInvisibleAndCompletesOnce()
    {
        var (visibleWhileRunning, leftAfterCompletion) = await HoldActivityAsync(Visibility / 3, Visibility * 2.2);

        Assert.Equal(0, visibleWhileRunning);
        Assert.Equal(0, leftAfterCompletion);
    }

    [Fact]
    public async Task LockNextTaskActivityWorkItem_WithoutRenewalRunningLongerThanTheVisibilityTimeout_ReappearsInTheQueue()
    {
        // What the sidecar's own dispatcher did: the message comes back while the activity still runs.
        var (visibleWhileRunning, _) = await HoldActivityAsync(null, Visibility * 1.3);

        Assert.Equal(1, visibleWhileRunning);
    }

    /// <summary>
    /// Schedules one activity through a real orchestration episode, locks it, holds it for <paramref name="hold"/>
    /// (as a long trial would), then completes it. Returns the visible messages of the work-item queue at the end of
    /// the hold and all messages (visible or not) after the completion.
    /// </summary>
    private async Task<(int VisibleWhileRunning, int LeftAfterCompletion)> HoldActivityAsync(TimeSpan? renewal, TimeSpan hold)
    {
        var taskHub = EngineHost.NewTaskHub();
        var backend = NewBackend(taskHub);
        await backend.CreateIfNotExistsAsync();
        var guarded = new GuardedOrchestrationService(backend, 1, 1, NullLogger.Instance, renewal);
        await guarded.StartAsync();
        try
        {
            var instance = new OrchestrationInstance { InstanceId = "i" + Guid.NewGuid().ToString("N")[..8], ExecutionId = Guid.NewGuid().ToString("N") };
            await backend.CreateTaskOrchestrationAsync(new TaskMessage
            {
                Event = new ExecutionStartedEvent(-1, "null") { Name = "Holder", OrchestrationInstance = instance },
                OrchestrationInstance = instance,
            });
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var episode = await guarded.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(60), wait.Token);
            var state = episode.OrchestrationRuntimeState;
            state.AddEvent(new OrchestratorStartedEvent(-1));
            foreach (var message in episode.NewMessages)
            {
                state.AddEvent(message.Event);
            }

            var scheduled = new TaskScheduledEvent(0) { Name = "Slow", Input = "null" };
            state.AddEvent(scheduled);
            state.AddEvent(new OrchestratorCompletedEvent(-1));
            var status = new OrchestrationState
            {
                OrchestrationInstance = instance,
                Name = "Holder",
                OrchestrationStatus = OrchestrationStatus.Running,
                CreatedTime = DateTime.UtcNow,
                LastUpdatedTime = DateTime.UtcNow,
            };
            await guarded.CompleteTaskOrchestrationWorkItemAsync(
                episode, state, [new TaskMessage { Event = scheduled, OrchestrationInstance = instance }], [], [], null!, status);

            var activity = await guarded.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(60), wait.Token);
            var queue = new QueueClient(azurite.ConnectionString, taskHub.ToLowerInvariant() + "-workitems");
            await Task.Delay(hold);
            var visible = (await queue.PeekMessagesAsync(maxMessages: 10)).Value.Length;
            await guarded.CompleteTaskActivityWorkItemAsync(activity, new TaskMessage
            {
                Event = new TaskCompletedEvent(-1, scheduled.EventId, "null"),
                OrchestrationInstance = instance,
            });
            var left = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            return (visible, left);
        }
        finally
        {
            await guarded.StopAsync(isForced: true);
        }
    }
}
