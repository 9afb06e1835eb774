using Azure.Messaging.ServiceBus;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FunctionsOpt.Orchestration.Tests.Messaging;

public sealed class ServiceBusIntakeServiceTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    /// <summary>A processor (mocking constructor) that records how it was configured and lets a test deliver messages.</summary>
    private sealed class FakeProcessor(string queue, ServiceBusProcessorOptions options) : ServiceBusProcessor
    {
        private bool _processing;

        public string Queue { get; } = queue;

        public ServiceBusProcessorOptions Options { get; } = options;

        public override bool IsProcessing => _processing;

        public override Task StartProcessingAsync(CancellationToken cancellationToken = default)
        {
            _processing = true;
            return Task.CompletedTask;
        }

        public override Task StopProcessingAsync(CancellationToken cancellationToken = default)
        {
            _processing = false;
            return Task.CompletedTask;
        }

        public Task DeliverAsync(ProcessMessageEventArgs args) => OnProcessMessageAsync(args);
    }

    private sealed class FakeClient : ServiceBusClient
    {
        public List<FakeProcessor> Processors { get; } = [];

        public override string FullyQualifiedNamespace => "sb-fake.servicebus.windows.net";

        public override ServiceBusProcessor CreateProcessor(string queueName, ServiceBusProcessorOptions options)
        {
            var processor = new FakeProcessor(queueName, options);
            Processors.Add(processor);
            return processor;
        }
    }

    private ServiceProvider Build(FakeClient client, Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddSingleton<ServiceBusClient>(client);
        services.AddSingleton(engine.Host.Runs);
        services.AddSingleton(engine.Host.Store);
        services.AddFunctionsOptServiceBus();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task StartAsync_ServiceBusTransport_RunsAPeekLockProcessorWithoutAutoCompleteOnTheQueue()
    {
        var client = new FakeClient();
        await using var provider = Build(client, new()
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["FunctionsOpt:ServiceBus:FullyQualifiedNamespace"] = "sb-fake.servicebus.windows.net",
            ["FunctionsOpt:ServiceBus:RequestsQueueName"] = "requests-q",
            ["FunctionsOpt:ServiceBus:MaxConcurrentCalls"] = "7",
        });
        var intake = provider.GetServices<IHostedService>().OfType<ServiceBusIntakeService>().Single();

        await intake.StartAsync(CancellationToken.None);

        var processor = Assert.Single(client.Processors);
        Assert.Equal("requests-q", processor.Queue);
        Assert.Equal(ServiceBusReceiveMode.PeekLock, processor.Options.ReceiveMode);
        Assert.False(processor.Options.AutoCompleteMessages);
        Assert.Equal(7, processor.Options.MaxConcurrentCalls);
        Assert.True(intake.IsProcessing);

        await intake.StopAsync(CancellationToken.None);
        Assert.False(intake.IsProcessing);
    }

    [Fact]
    public async Task DeliveredMessage_ThroughTheProcessor_IsHandledAndCompleted()
    {
        var client = new FakeClient();
        await using var provider = Build(client, new()
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["FunctionsOpt:ServiceBus:FullyQualifiedNamespace"] = "sb-fake.servicebus.windows.net",
        });
        var intake = provider.GetServices<IHostedService>().OfType<ServiceBusIntakeService>().Single();
        await intake.StartAsync(CancellationToken.None);
        var spec = new OptimizationSpec
        {
            Model = new ModelReference { Blob = EmbeddedEngineFixture.ModelBlob },
            Dataset = new DatasetReference { Blob = EmbeddedEngineFixture.DataBlob, Input = "x", LabelColumn = "y" },
            Seed = 301,
        };
        var json = """{"schemaVersion":"1.0","model":{"blob":"intake/model.onnx"},"dataset":{"blob":"intake/eval.csv","input":"x","labelColumn":"y"},"seed":301}""";
        var receiver = new RecordingReceiver();

        await client.Processors.Single().DeliverAsync(new ProcessMessageEventArgs(IntakeMessages.Of(json, "m-301"), receiver, CancellationToken.None));

        Assert.Equal(["complete"], receiver.Calls.Select(c => c.Action));
        Assert.NotNull(await engine.Host.Client.GetInstanceAsync(SpecHash.RunIdOf(spec)));
        await intake.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_StorageQueueTransport_CreatesNoProcessor()
    {
        var client = new FakeClient();
        await using var provider = Build(client, []);
        var intake = provider.GetServices<IHostedService>().OfType<ServiceBusIntakeService>().Single();

        await intake.StartAsync(CancellationToken.None);

        Assert.Empty(client.Processors);
        Assert.False(intake.IsProcessing);
    }

    [Fact]
    public async Task StartAsync_IntakeDisabled_CreatesNoProcessor()
    {
        var client = new FakeClient();
        await using var provider = Build(client, new()
        {
            ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
            ["FunctionsOpt:ServiceBus:FullyQualifiedNamespace"] = "sb-fake.servicebus.windows.net",
            ["FunctionsOpt:ServiceBus:IntakeEnabled"] = "false",
        });
        var intake = provider.GetServices<IHostedService>().OfType<ServiceBusIntakeService>().Single();

        await intake.StartAsync(CancellationToken.None);

        Assert.Empty(client.Processors);
    }
}
