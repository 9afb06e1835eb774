using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Host.Tests.Ingestion;

[Collection(AzuriteGroup.Name)]
public sealed class QueueRequestListenerTests(AzuriteFixture azurite)
{
    private QueueClient Queue(string name) => new QueueServiceClient(azurite.ConnectionString).GetQueueClient(name);

    [Fact]
    public async Task Queue_SameRequestTwicePlainAndBase64_StartsOneRunThatCompletes()
    {
        var folder = "queue-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, folder);
        var spec = Samples.PenguinsQuick(folder, seed: 11);
        var runId = SpecHash.RunIdOf(spec);
        var json = JsonSerializer.Serialize(spec, JsonDefaults.Options);
        await using var host = await EngineHost.StartAsync(azurite, ingestion: true);
        var requests = Queue("optimization-requests");
        await requests.CreateIfNotExistsAsync();

        await requests.SendMessageAsync(json);
        await requests.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(json)));
        await Eventually.ExistsAsync(() => host.Runs.GetInstanceAsync(runId), TimeSpan.FromSeconds(60));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var summary = await host.Runs.WaitAsync(runId, timeout.Token);
        await Eventually.ExistsAsync(async () => (await requests.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0 ? "empty" : null, TimeSpan.FromSeconds(30));

        Assert.Equal(RunStatus.Completed, summary!.Status);
        var instances = new List<string>();
        await foreach (var instance in host.Runs.Client.GetAllInstancesAsync())
        {
            instances.Add(instance.InstanceId);
        }

        Assert.Equal([runId], instances);
    }

    [Fact]
    public async Task Queue_MalformedMessage_LandsInPoisonQueueWithTheReason()
    {
        var poisonName = "poison-" + Guid.NewGuid().ToString("N")[..8];
        var requestName = "requests-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await EngineHost.StartAsync(azurite, ingestion: false);
        var listener = new QueueRequestListener(
            host.Api,
            Microsoft.Extensions.Options.Options.Create(new IngestionOptions { ConnectionString = azurite.ConnectionString, RequestQueueName = requestName, PoisonQueueName = poisonName }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<QueueRequestListener>.Instance);
        var requests = Queue(requestName);
        await requests.CreateIfNotExistsAsync();
        await requests.SendMessageAsync("{ this is not a spec");

        var received = await listener.ReceiveOnceAsync();

        Assert.Equal(1, received);
        var poisoned = (await Queue(poisonName).ReceiveMessagesAsync(10)).Value;
        var message = Assert.Single(poisoned).Body.ToObjectFromJson<PoisonMessage>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Contains("invalid", message.Reason, StringComparison.Ordinal);
        Assert.Equal("invalid-spec", message.Code);
        Assert.Contains(message.Problems, p => p.Message.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Equal("{ this is not a spec", message.Message);
        Assert.Empty((await requests.ReceiveMessagesAsync(10)).Value);
    }

    [Fact]
    public async Task Queue_MessageReceivedTooOften_LandsInPoisonQueueUnprocessed()
    {
        var poisonName = "poison-" + Guid.NewGuid().ToString("N")[..8];
        var requestName = "requests-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await EngineHost.StartAsync(azurite, ingestion: false);
        var listener = new QueueRequestListener(
            host.Api,
            Microsoft.Extensions.Options.Options.Create(new IngestionOptions
            {
                ConnectionString = azurite.ConnectionString, RequestQueueName = requestName, PoisonQueueName = poisonName, MaxDequeueCount = 1,
            }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<QueueRequestListener>.Instance);
        var requests = Queue(requestName);
        await requests.CreateIfNotExistsAsync();
        await requests.SendMessageAsync("{}");

        // A first delivery that was never completed (a crashed handler), made visible again at once.
        var first = (await requests.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value.Single();
        await requests.UpdateMessageAsync(first.MessageId, first.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        await listener.ReceiveOnceAsync();

        var message = Assert.Single((await Queue(poisonName).ReceiveMessagesAsync(10)).Value).Body.ToObjectFromJson<PoisonMessage>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Contains("received 2 times", message.Reason, StringComparison.Ordinal);
        Assert.Equal(2, message.DequeueCount);
    }

    [Fact]
    public async Task Queue_SpecWithLocalPaths_LandsInPoisonQueueWithBothProblems()
    {
        var poisonName = "poison-" + Guid.NewGuid().ToString("N")[..8];
        var requestName = "requests-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await EngineHost.StartAsync(azurite, ingestion: false);
        var listener = new QueueRequestListener(
            host.Api,
            Microsoft.Extensions.Options.Options.Create(new IngestionOptions { ConnectionString = azurite.ConnectionString, RequestQueueName = requestName, PoisonQueueName = poisonName }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<QueueRequestListener>.Instance);
        var spec = Samples.PenguinsQuick("unused") with
        {
            Model = new ModelReference { Path = "/etc/model.onnx" },
            Dataset = new DatasetReference { Path = "/etc/eval.csv", LabelColumn = "species", Input = "features" },
        };
        var requests = Queue(requestName);
        await requests.CreateIfNotExistsAsync();
        await requests.SendMessageAsync(JsonSerializer.Serialize(spec, JsonDefaults.Options));

        await listener.ReceiveOnceAsync();

        var message = Assert.Single((await Queue(poisonName).ReceiveMessagesAsync(10)).Value).Body.ToObjectFromJson<PoisonMessage>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(["$.dataset.path", "$.model.path"], message.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.Null(await host.Runs.GetInstanceAsync(SpecHash.RunIdOf(spec)));
    }

    [Fact]
    public void TextOf_PlainJson_ReturnsItUnchanged()
    {
        Assert.Equal("""{ "a": 1 }""", QueueRequestListener.TextOf(BinaryData.FromString("""{ "a": 1 }""")));
    }

    [Fact]
    public void TextOf_Base64Json_ReturnsTheDecodedJson()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{ "a": 1 }"""));

        Assert.Equal("""{ "a": 1 }""", QueueRequestListener.TextOf(BinaryData.FromString(encoded)));
    }

    [Fact]
    public void TextOf_NeitherJsonNorBase64_ReturnsItUnchanged()
    {
        Assert.Equal("not json!", QueueRequestListener.TextOf(BinaryData.FromString("not json!")));
    }
}
