using FunctionsOpt.Hosting.Durable;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Host.Tests.Durable;

public sealed class DurableEngineOptionsTests
{
    [Fact]
    public void Validate_AzureStorageWithoutConnectionStringAndOutOfRangeValues_ReportsEveryProblem()
    {
        var options = new DurableEngineOptions
        {
            TaskHubName = "1-bad",
            MaxConcurrentActivities = 0,
            PartitionCount = 17,
            MaxQueuePollingInterval = TimeSpan.Zero,
            LeaseInterval = TimeSpan.FromSeconds(1),
            ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(5),
            HealthPingInterval = TimeSpan.Zero,
        };

        var result = new DurableEngineOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(8, failures.Count);
        Assert.Contains(failures, f => f.Contains("ConnectionString", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TaskHubName", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxConcurrentActivities", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PartitionCount", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxQueuePollingInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("LeaseInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ControlQueueVisibilityTimeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("HealthPingInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultsWithAConnectionString_Succeeds()
    {
        var result = new DurableEngineOptionsValidator().Validate(null, new DurableEngineOptions { ConnectionString = "UseDevelopmentStorage=true" });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_InMemoryWithoutConnectionString_Succeeds()
    {
        var result = new DurableEngineOptionsValidator().Validate(null, new DurableEngineOptions { Backend = DurableBackendKind.InMemory });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void SettingsOf_Options_CarriesHubConcurrencyPollingVisibilityAndLeases()
    {
        var options = new DurableEngineOptions
        {
            ConnectionString = "UseDevelopmentStorage=true",
            TaskHubName = "Hub42",
            MaxConcurrentActivities = 3,
            MaxConcurrentOrchestrations = 5,
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
            PartitionCount = 2,
            WorkItemVisibilityTimeout = TimeSpan.FromSeconds(20),
            ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(25),
            LeaseInterval = TimeSpan.FromSeconds(12),
        };

        var settings = DurableBackend.SettingsOf(options, NullLoggerFactory.Instance);

        Assert.Equal("Hub42", settings.TaskHubName);
        Assert.Equal(3, settings.MaxConcurrentTaskActivityWorkItems);
        Assert.Equal(5, settings.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.MaxQueuePollingInterval);
        Assert.Equal(2, settings.PartitionCount);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.WorkItemQueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(25), settings.ControlQueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(12), settings.LeaseInterval);
        Assert.Equal(TimeSpan.FromSeconds(4), settings.LeaseRenewInterval);
        Assert.NotNull(settings.StorageAccountClientProvider);
    }
}
