using System.Globalization;
using System.Text.RegularExpressions;
using Azure.Messaging.ServiceBus;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Tests.Messaging;

public sealed class ServiceBusServiceCollectionExtensionsTests
{
    // A syntactically valid connection string: creating a client does not connect, so nothing leaves the machine.
    private const string FakeConnectionString = "Endpoint=sb://sb-local.servicebus.windows.net/;SharedAccessKeyName=test;SharedAccessKey=dGVzdA==";

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddFunctionsOptServiceBus();
        more?.Invoke(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddFunctionsOptServiceBus_NoSettings_UsesStorageQueuesAndTheLogOnlyPublisher()
    {
        using var provider = Build([]);

        var options = provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value;

        Assert.Equal(MessagingTransport.StorageQueue, options.Transport);
        Assert.Equal("optimization-requests", options.RequestsQueueName);
        Assert.Equal("optimization-events", options.EventsTopicName);
        Assert.IsType<LoggingRunEventPublisher>(provider.GetRequiredService<IRunEventPublisher>());
    }

    [Fact]
    public async Task AddFunctionsOptServiceBus_InfraSettings_BindNamespaceClientIdAndCredentialFromTheConnectionSection()
    {
        await using var provider = Build(new()
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["FunctionsOpt:ServiceBus:RequestsQueueName"] = "requests-x",
            ["FunctionsOpt:ServiceBus:EventsTopicName"] = "events-x",
            ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-abc123.servicebus.windows.net",
            ["ServiceBusConnection:credential"] = "managedidentity",
            ["ServiceBusConnection:clientId"] = "00000000-0000-0000-0000-00000000c1d0",
        });

        var options = provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value;
        var client = provider.GetRequiredService<ServiceBusClient>();

        Assert.Equal(MessagingTransport.ServiceBus, options.Transport);
        Assert.Equal("sb-abc123.servicebus.windows.net", options.FullyQualifiedNamespace);
        Assert.Equal("00000000-0000-0000-0000-00000000c1d0", options.ClientId);
        Assert.Equal("managedidentity", options.Credential);
        Assert.Null(options.ConnectionString);
        Assert.Equal("sb-abc123.servicebus.windows.net", client.FullyQualifiedNamespace);
        Assert.Equal("requests-x", options.RequestsQueueName);
        Assert.Equal("events-x", options.EventsTopicName);
    }

    [Fact]
    public async Task AddFunctionsOptServiceBus_ConnectionStringInTheConnectionSetting_PublishesToTheTopic()
    {
        await using var provider = Build(new()
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["ServiceBusConnection"] = FakeConnectionString,
        });

        var options = provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value;
        var publisher = provider.GetRequiredService<IRunEventPublisher>();

        Assert.Equal(FakeConnectionString, options.ConnectionString);
        Assert.Equal("sb-local.servicebus.windows.net", provider.GetRequiredService<ServiceBusClient>().FullyQualifiedNamespace);
        Assert.IsType<ServiceBusRunEventPublisher>(publisher);
    }

    [Fact]
    public void AddFunctionsOptServiceBus_ExplicitOptions_WinOverTheConnectionSection()
    {
        using var provider = Build(new()
        {
            ["FunctionsOpt:ServiceBus:FullyQualifiedNamespace"] = "sb-explicit.servicebus.windows.net",
            ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-section.servicebus.windows.net",
            ["ServiceBusConnection:clientId"] = "section-client",
        });

        var options = provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value;

        Assert.Equal("sb-explicit.servicebus.windows.net", options.FullyQualifiedNamespace);
        Assert.Null(options.ClientId);
    }

    [Fact]
    public void AddFunctionsOptServiceBus_ServiceBusWithoutConnection_FailsValidationNamingTheSetting()
    {
        using var provider = Build(new() { ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus", ["FunctionsOpt:ServiceBus:MaxConcurrentCalls"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("exactly one of ConnectionString or FullyQualifiedNamespace", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxConcurrentCalls", StringComparison.Ordinal));
    }

    [Fact]
    public void AddFunctionsOptServiceBus_NamespaceWrittenAsAUrl_FailsValidation()
    {
        using var provider = Build(new()
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["FunctionsOpt:ServiceBus:FullyQualifiedNamespace"] = "sb://sb-abc.servicebus.windows.net/",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("without scheme or path", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddFunctionsOptServiceBus_AfterTheOrchestrations_ReplacesTheirLogOnlyPublisher()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["FunctionsOpt:ServiceBus:ConnectionString"] = FakeConnectionString,
        }).Build());
        services.AddLogging();
        services.AddFunctionsOptOrchestrations();
        services.AddFunctionsOptServiceBus();
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<ServiceBusRunEventPublisher>(provider.GetRequiredService<IRunEventPublisher>());
        Assert.Single(provider.GetServices<IRunEventPublisher>());
        Assert.Single(provider.GetServices<IHostedService>().OfType<ServiceBusIntakeService>());
    }

    [Fact]
    public async Task AddFunctionsOptRunEvents_ServiceBusTransport_PublishesToTheTopicWithoutIntakeOrDurableClient()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["ServiceBusConnection"] = FakeConnectionString,
        }).Build());
        services.AddLogging();
        services.AddSingleton<IArtifactStore>(new LocalFolderArtifactStore(Path.Combine(Path.GetTempPath(), "fopt-run-events-di")));
        services.AddFunctionsOptOrchestrations();
        services.AddFunctionsOptRunEvents();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        // The Functions app has no DurableTaskClient service: nothing registered here may need one.
        Assert.IsType<ServiceBusRunEventPublisher>(provider.GetRequiredService<IRunEventPublisher>());
        Assert.Empty(provider.GetServices<IHostedService>().OfType<ServiceBusIntakeService>());
        Assert.Null(provider.GetService<OptimizationRequestHandler>());
        Assert.Null(provider.GetService<OptimizationRunClient>());
    }

    [Fact]
    public void AddFunctionsOptServiceBus_DrainLimitsOutOfRange_FailValidationNamingBoth()
    {
        using var provider = Build(new()
        {
            ["FunctionsOpt:ServiceBus:DrainMaxMessages"] = "0",
            ["FunctionsOpt:ServiceBus:DrainMaxWaitTime"] = "00:05:00",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("DrainMaxMessages", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("DrainMaxWaitTime", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_ManagedIdentityCredential_IsTheManagedIdentityAlone()
    {
        var credential = ServiceBusClientFactory.CredentialFor(new ServiceBusOptions { Credential = "managedidentity", ClientId = "abc" });
        var chain = ServiceBusClientFactory.CredentialFor(new ServiceBusOptions { ClientId = "abc" });

        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(credential);
        Assert.IsType<Azure.Identity.DefaultAzureCredential>(chain);
    }

    [Fact]
    public void Create_NoConnection_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => ServiceBusClientFactory.Create(new ServiceBusOptions()));
    }

    [Fact]
    public void ServiceBusOptions_Defaults_MatchTheProvisionedQueueAndTopic()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryRoot(), "infra", "app", "servicebus.bicep"));
        string Default(string param) => Regex.Match(bicep, $@"param {param} \w+ = '?([^'\r\n]+)'?").Groups[1].Value;

        var options = new ServiceBusOptions();

        Assert.Equal(Default("maxDeliveryCount"), options.MaxDeliveryCount.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Default("requestsQueueName"), options.RequestsQueueName);
        Assert.Equal(Default("eventsTopicName"), options.EventsTopicName);
        Assert.True(new ServiceBusOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void StatusUrlOf_Template_ReplacesTheRunIdEscaped()
    {
        var options = new ServiceBusOptions { StatusUrlTemplate = "https://x/api/optimizations/{runId}/status" };

        Assert.Equal("https://x/api/optimizations/run-1/status", options.StatusUrlOf("run-1"));
        Assert.Equal("https://x/api/optimizations/a%2Fb/status", options.StatusUrlOf("a/b"));
        Assert.Equal("/api/optimizations/run-1", new ServiceBusOptions().StatusUrlOf("run-1"));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FunctionsOpt.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("FunctionsOpt.sln not found above the test output.");
    }
}
