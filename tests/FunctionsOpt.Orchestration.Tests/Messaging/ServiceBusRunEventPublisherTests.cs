using System.Text.Json;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Tests.Messaging;

public sealed class ServiceBusRunEventPublisherTests
{
    private const string RunId = "run-0123456789abcdef";
    private static readonly DateTimeOffset At = new(2026, 11, 5, 9, 30, 15, TimeSpan.FromHours(2));

    private static (ServiceBusRunEventPublisher Publisher, RecordingSender Sender) Create(ServiceBusOptions? options = null)
    {
        var sender = new RecordingSender();
        return (new ServiceBusRunEventPublisher(sender, Options.Create(options ?? new ServiceBusOptions())), sender);
    }

    private static JsonElement Body(Azure.Messaging.ServiceBus.ServiceBusMessage message) => JsonDocument.Parse(message.Body.ToMemory()).RootElement.Clone();

    [Fact]
    public async Task PublishAsync_RunCompleted_SendsACloudEventWithEveryFieldAndTheFilterProperties()
    {
        var (publisher, sender) = Create();
        var completed = new RunEvent
        {
            Kind = RunEventKind.RunCompleted,
            RunId = RunId,
            Time = At,
            Status = RunStatus.Completed,
            TrialsDone = 17,
            TrialsTotal = 17,
            BestTrialId = "final-0",
            MeetsConstraints = true,
            Metrics = new Dictionary<string, double> { ["sizeBytes"] = 1234, ["accuracy"] = 0.97 },
        };

        await publisher.PublishAsync(completed);

        var message = Assert.Single(sender.Sent);
        Assert.Equal("run-0123456789abcdef/completed", message.MessageId);
        Assert.Equal(RunId, message.Subject);
        Assert.Equal(RunId, message.CorrelationId);
        Assert.Equal("application/cloudevents+json; charset=utf-8", message.ContentType);
        Assert.Equal("FunctionsOpt.RunCompleted", message.ApplicationProperties["type"]);
        Assert.Equal(RunId, message.ApplicationProperties["runId"]);
        Assert.Equal("completed", message.ApplicationProperties["status"]);

        var e = Body(message);
        Assert.Equal(
            ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"],
            e.EnumerateObject().Select(p => p.Name));
        Assert.Equal("1.0", e.GetProperty("specversion").GetString());
        Assert.Equal("run-0123456789abcdef/completed", e.GetProperty("id").GetString());
        Assert.Equal("/functionsopt", e.GetProperty("source").GetString());
        Assert.Equal("FunctionsOpt.RunCompleted", e.GetProperty("type").GetString());
        Assert.Equal(RunId, e.GetProperty("subject").GetString());
        // 09:30:15 at +02:00 is 07:30:15 UTC, written in RFC 3339 with Z.
        Assert.Equal("2026-11-05T07:30:15.0000000Z", e.GetProperty("time").GetString());
        Assert.Equal("application/json", e.GetProperty("datacontenttype").GetString());
        var data = e.GetProperty("data");
        Assert.Equal(RunId, data.GetProperty("runId").GetString());
        Assert.Equal("completed", data.GetProperty("status").GetString());
        Assert.Equal("/api/optimizations/run-0123456789abcdef", data.GetProperty("statusLink").GetString());
        Assert.Equal(17, data.GetProperty("trialsDone").GetInt32());
        Assert.Equal(17, data.GetProperty("trialsTotal").GetInt32());
        Assert.Equal("final-0", data.GetProperty("best").GetProperty("trialId").GetString());
        Assert.True(data.GetProperty("best").GetProperty("meetsConstraints").GetBoolean());
        Assert.Equal(1234, data.GetProperty("metrics").GetProperty("sizeBytes").GetDouble());
        Assert.Equal(0.97, data.GetProperty("metrics").GetProperty("accuracy").GetDouble());
        Assert.False(data.TryGetProperty("step", out _));
        Assert.False(data.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task PublishAsync_RunProgress_CarriesStepRungAndTheBestSoFar()
    {
        var (publisher, sender) = Create(new ServiceBusOptions { EventSource = "https://fopt.example/", StatusUrlTemplate = "https://fopt.example/api/optimizations/{runId}" });

        await publisher.PublishAsync(new RunEvent
        {
            Kind = RunEventKind.RunProgress,
            RunId = RunId,
            Time = At,
            Status = RunStatus.Searching,
            Step = 3,
            Rung = 1,
            TrialsDone = 9,
            TrialsTotal = 12,
            BestTrialId = "t4",
            BestObjective = 0.0125,
            MeetsConstraints = false,
        });

        var message = Assert.Single(sender.Sent);
        Assert.Equal("run-0123456789abcdef/progress/3", message.MessageId);
        Assert.Equal("FunctionsOpt.RunProgress", message.ApplicationProperties["type"]);
        var e = Body(message);
        Assert.Equal("https://fopt.example/", e.GetProperty("source").GetString());
        var data = e.GetProperty("data");
        Assert.Equal("searching", data.GetProperty("status").GetString());
        Assert.Equal("https://fopt.example/api/optimizations/run-0123456789abcdef", data.GetProperty("statusLink").GetString());
        Assert.Equal(3, data.GetProperty("step").GetInt32());
        Assert.Equal(1, data.GetProperty("rung").GetInt32());
        Assert.Equal(9, data.GetProperty("trialsDone").GetInt32());
        Assert.Equal(12, data.GetProperty("trialsTotal").GetInt32());
        Assert.Equal("t4", data.GetProperty("best").GetProperty("trialId").GetString());
        Assert.Equal(0.0125, data.GetProperty("best").GetProperty("objective").GetDouble());
        Assert.False(data.GetProperty("best").GetProperty("meetsConstraints").GetBoolean());
        Assert.Empty(data.GetProperty("metrics").EnumerateObject());
    }

    [Fact]
    public async Task PublishAsync_RunFailed_CarriesTheError()
    {
        var (publisher, sender) = Create();

        await publisher.PublishAsync(new RunEvent
        {
            Kind = RunEventKind.RunFailed,
            RunId = RunId,
            Time = At,
            Status = RunStatus.Failed,
            Error = new RunError { Code = "invalid-model", Message = "The model does not load.", Phase = RunStatus.Validating },
        });

        var message = Assert.Single(sender.Sent);
        Assert.Equal("run-0123456789abcdef/failed", message.MessageId);
        Assert.Equal("failed", message.ApplicationProperties["status"]);
        var e = Body(message);
        Assert.Equal("FunctionsOpt.RunFailed", e.GetProperty("type").GetString());
        var error = e.GetProperty("data").GetProperty("error");
        Assert.Equal("invalid-model", error.GetProperty("code").GetString());
        Assert.Equal("The model does not load.", error.GetProperty("message").GetString());
        Assert.Equal("validating", error.GetProperty("phase").GetString());
        Assert.False(e.GetProperty("data").TryGetProperty("best", out _));
    }

    [Fact]
    public async Task PublishAsync_SameEventTwice_SendsTheSameMessageIdAndBody()
    {
        var (publisher, sender) = Create();
        var started = new RunEvent { Kind = RunEventKind.RunStarted, RunId = RunId, Time = At, Status = RunStatus.Validating };

        await publisher.PublishAsync(started);
        await publisher.PublishAsync(started with { });

        Assert.Equal(2, sender.Sent.Count);
        Assert.Equal("run-0123456789abcdef/started", sender.Sent[0].MessageId);
        Assert.Equal(sender.Sent[0].MessageId, sender.Sent[1].MessageId);
        Assert.Equal(sender.Sent[0].Body.ToArray(), sender.Sent[1].Body.ToArray());
    }

    [Fact]
    public async Task PublishAsync_NonFiniteMetric_WritesItAsANamedLiteral()
    {
        var (publisher, sender) = Create();

        await publisher.PublishAsync(new RunEvent
        {
            Kind = RunEventKind.RunCompleted,
            RunId = RunId,
            Time = At,
            Status = RunStatus.Completed,
            Metrics = new Dictionary<string, double> { ["logLoss"] = double.PositiveInfinity, ["x"] = double.NaN },
        });

        var metrics = Body(Assert.Single(sender.Sent)).GetProperty("data").GetProperty("metrics");
        Assert.Equal("Infinity", metrics.GetProperty("logLoss").GetString());
        Assert.Equal("NaN", metrics.GetProperty("x").GetString());
    }

    [Theory]
    [InlineData(RunEventKind.RunStarted, "FunctionsOpt.RunStarted", "run-0123456789abcdef/started")]
    [InlineData(RunEventKind.RunProgress, "FunctionsOpt.RunProgress", "run-0123456789abcdef/progress/2")]
    [InlineData(RunEventKind.RunCompleted, "FunctionsOpt.RunCompleted", "run-0123456789abcdef/completed")]
    [InlineData(RunEventKind.RunFailed, "FunctionsOpt.RunFailed", "run-0123456789abcdef/failed")]
    public void RunEvent_EachKind_HasItsTypeAndDeterministicId(RunEventKind kind, string type, string id)
    {
        var e = new RunEvent { Kind = kind, RunId = RunId, Time = At, Step = 2 };

        Assert.Equal(type, e.EventType);
        Assert.Equal(id, e.EventId);
    }

    [Fact]
    public async Task DisposeAsync_Publisher_DisposesItsSender()
    {
        var (publisher, sender) = Create();

        await publisher.DisposeAsync();

        Assert.True(sender.Disposed);
    }
}
