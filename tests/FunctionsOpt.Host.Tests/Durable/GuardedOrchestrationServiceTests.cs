using DurableTask.AzureStorage;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Hosting.Durable;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Host.Tests.Durable;

[Collection(AzuriteGroup.Name)]
public sealed class GuardedOrchestrationServiceTests(AzuriteFixture azurite)
{
    private AzureStorageOrchestrationService NewBackend() => new(DurableBackend.SettingsOf(
        new DurableEngineOptions { ConnectionString = azurite.ConnectionString, TaskHubName = EngineHost.NewTaskHub(), PartitionCount = 1 },
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
}
