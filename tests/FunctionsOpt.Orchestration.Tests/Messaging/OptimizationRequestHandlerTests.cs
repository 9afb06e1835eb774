using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Grpc.Net.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Azure.Messaging.ServiceBus;

namespace FunctionsOpt.Orchestration.Tests.Messaging;

public sealed class OptimizationRequestHandlerTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    // Placeholder blobs: the intake checks that they exist; the started runs fail their validation quickly.
    private const string ModelBlob = EmbeddedEngineFixture.ModelBlob;
    private const string DataBlob = EmbeddedEngineFixture.DataBlob;

    private static string SpecJson(long seed) => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "schemaVersion": "1.0",
          "model": { "blob": "{{ModelBlob}}" },
          "dataset": { "blob": "{{DataBlob}}", "input": "x", "labelColumn": "y" },
          "seed": {{seed}}
        }
        """);

    // The same spec built in code, so the expected run id does not come from the handler's own parsing.
    private static string ExpectedRunId(long seed) => SpecHash.RunIdOf(new OptimizationSpec
    {
        Model = new ModelReference { Blob = ModelBlob },
        Dataset = new DatasetReference { Blob = DataBlob, Input = "x", LabelColumn = "y" },
        Seed = seed,
    });

    private OptimizationRequestHandler Handler(OptimizationRunClient runs, int maxDeliveryCount = 5) =>
        new(runs, new SpecIntake(engine.Host.Store), Options.Create(new ServiceBusOptions { MaxDeliveryCount = maxDeliveryCount }), NullLogger<OptimizationRequestHandler>.Instance);

    private OptimizationRequestHandler Handler() => Handler(engine.Host.Runs);

    private async Task<List<string>> InstancesAsync()
    {
        var ids = new List<string>();
        await foreach (var instance in engine.Host.Client.GetAllInstancesAsync())
        {
            ids.Add(instance.InstanceId);
        }

        return ids;
    }

    /// <summary>A real gRPC durable client aimed at a loopback port nothing listens on: every call fails as an outage would.</summary>
    private static OptimizationRunClient UnreachableRuns()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var channel = GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        return new OptimizationRunClient(new GrpcDurableTaskClient("unreachable", new GrpcDurableTaskClientOptions { Channel = channel }, NullLogger.Instance));
    }

    [Fact]
    public async Task HandleAsync_ValidSpec_CompletesAndStartsTheRunWithTheDeterministicId()
    {
        var settlement = new RecordingSettlement();
        var expected = ExpectedRunId(101);

        var outcome = await Handler().HandleAsync(IntakeMessages.Of(SpecJson(101), "msg-101"), settlement);

        Assert.Equal(new IntakeOutcome(IntakeSettlement.Completed, expected, Started: true), outcome);
        Assert.Equal([new Settled("complete")], settlement.Calls);
        var instance = await engine.Host.Client.GetInstanceAsync(expected);
        Assert.NotNull(instance);
        Assert.Equal(nameof(OptimizationOrchestrator), instance.Name);
    }

    [Fact]
    public async Task HandleAsync_SameMessageDeliveredTwice_StartsOneRunAndCompletesBoth()
    {
        var first = new RecordingSettlement();
        var second = new RecordingSettlement();
        var expected = ExpectedRunId(102);

        var a = await Handler().HandleAsync(IntakeMessages.Of(SpecJson(102), "msg-102", deliveryCount: 1), first);
        var b = await Handler().HandleAsync(IntakeMessages.Of(SpecJson(102), "msg-102", deliveryCount: 2), second);

        Assert.Equal(new IntakeOutcome(IntakeSettlement.Completed, expected, Started: true), a);
        Assert.Equal(new IntakeOutcome(IntakeSettlement.Completed, expected, Started: false), b);
        Assert.Equal([new Settled("complete")], first.Calls);
        Assert.Equal([new Settled("complete")], second.Calls);
        Assert.Single(await InstancesAsync(), id => id == expected);
    }

    [Fact]
    public async Task HandleAsync_SameSpecUnderDifferentMessageIds_MapsToOneRunWhateverTheIds()
    {
        var expected = ExpectedRunId(103);
        // Reformatted (other property order, whitespace): the canonical spec, and so the run id, is the same.
        const string reordered = """{"seed":103,"dataset":{"labelColumn":"y","input":"x","blob":"intake/eval.csv"},"model":{"blob":"intake/model.onnx"},"schemaVersion":"1.0"}""";

        var a = await Handler().HandleAsync(IntakeMessages.Of(SpecJson(103), "client-chosen-id"), new RecordingSettlement());
        var b = await Handler().HandleAsync(IntakeMessages.Of(reordered, Guid.NewGuid().ToString()), new RecordingSettlement());

        Assert.Equal(expected, a.RunId);
        Assert.Equal(expected, b.RunId);
        Assert.True(a.Started);
        Assert.False(b.Started);
        Assert.Single(await InstancesAsync(), id => id == expected);
    }

    [Fact]
    public async Task HandleAsync_InvalidJson_DeadLettersAsInvalidSpecWithThePosition()
    {
        var settlement = new RecordingSettlement();
        var before = await InstancesAsync();

        var outcome = await Handler().HandleAsync(IntakeMessages.Of("{ \"schemaVersion\": \"1.0\", ", "msg-json"), settlement);

        Assert.Equal(new IntakeOutcome(IntakeSettlement.DeadLettered, DeadLetterReason: "InvalidSpec"), outcome);
        var call = Assert.Single(settlement.Calls);
        Assert.Equal("deadletter", call.Action);
        Assert.Equal("InvalidSpec", call.Reason);
        Assert.StartsWith("The optimization spec has 1 problem(s):", call.Description, StringComparison.Ordinal);
        Assert.Contains("$: is not valid JSON (line 1", call.Description, StringComparison.Ordinal);
        Assert.Equal(before, await InstancesAsync());
    }

    [Fact]
    public async Task HandleAsync_SpecWithSeveralProblems_DeadLettersNamingEveryProblem()
    {
        const string json = """
            {
              "schemaVersion": "1.0",
              "model": { "blob": "../secrets.onnx" },
              "dataset": { "blob": "d.csv", "input": "x", "task": "regression" },
              "search": { "eta": 1, "minResourse": 2 },
              "seed": 1.5
            }
            """;
        string[] paths = ["$.dataset.labelColumn", "$.model.blob", "$.search.eta", "$.search.minResourse", "$.seed"];
        var settlement = new RecordingSettlement();

        var outcome = await Handler().HandleAsync(IntakeMessages.Of(json, "msg-problems"), settlement);

        Assert.Equal(IntakeSettlement.DeadLettered, outcome.Settlement);
        var call = Assert.Single(settlement.Calls);
        Assert.Equal(("deadletter", "InvalidSpec"), (call.Action, call.Reason));
        var lines = call.Description!.Split('\n');
        Assert.Equal($"The optimization spec has {paths.Length} problem(s):", lines[0]);
        Assert.Equal(paths, lines.Skip(1).Select(l => l["- ".Length..l.IndexOf(':', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_SpecAskingForWhatRunsCannotMeasure_DeadLettersWithThatProblem()
    {
        var json = SpecJson(104).Replace("\"seed\"", "\"objective\": { \"metric\": \"peakMemoryBytes\" }, \"seed\"", StringComparison.Ordinal);
        var settlement = new RecordingSettlement();

        var outcome = await Handler().HandleAsync(IntakeMessages.Of(json, "msg-memory"), settlement);

        Assert.Equal(IntakeSettlement.DeadLettered, outcome.Settlement);
        var call = Assert.Single(settlement.Calls);
        Assert.Equal("InvalidSpec", call.Reason);
        Assert.Contains("peak-memory", call.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_ManyProblems_DescriptionStaysWithinTheLimitAndCountsTheRest()
    {
        var passes = string.Join(",", Enumerable.Range(0, 400).Select(i => string.Create(CultureInfo.InvariantCulture, $"\"Bad Pass {i}!\"")));
        var json = SpecJson(105).Replace("\"seed\"", "\"passes\": [" + passes + "], \"seed\"", StringComparison.Ordinal);
        var settlement = new RecordingSettlement();

        await Handler().HandleAsync(IntakeMessages.Of(json, "msg-many"), settlement);

        var description = Assert.Single(settlement.Calls).Description!;
        Assert.InRange(description.Length, 1, OptimizationRequestHandler.MaxDescriptionLength);
        Assert.StartsWith("The optimization spec has 400 problem(s):", description, StringComparison.Ordinal);
        var listed = description.Split('\n').Count(l => l.StartsWith("- $.passes[", StringComparison.Ordinal));
        Assert.Contains($"- ... and {400 - listed} more", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_SpecNamingAMissingBlob_DeadLettersBlobNotFoundNamingIt()
    {
        var json = SpecJson(110).Replace(DataBlob, "intake/not-uploaded.csv", StringComparison.Ordinal);
        var settlement = new RecordingSettlement();
        var before = await InstancesAsync();

        var outcome = await Handler().HandleAsync(IntakeMessages.Of(json, "msg-missing"), settlement);

        Assert.Equal(new IntakeOutcome(IntakeSettlement.DeadLettered, DeadLetterReason: "BlobNotFound"), outcome);
        var call = Assert.Single(settlement.Calls);
        Assert.Equal(("deadletter", "BlobNotFound"), (call.Action, call.Reason));
        Assert.Equal("The optimization spec has 1 problem(s):", call.Description!.Split('\n')[0]);
        Assert.StartsWith("- $.dataset.blob: \"models/intake/not-uploaded.csv\" does not exist", call.Description.Split('\n')[1], StringComparison.Ordinal);
        Assert.Equal(before, await InstancesAsync());
    }

    [Fact]
    public async Task HandleAsync_SpecWithALocalPath_DeadLettersInvalidSpec()
    {
        var json = SpecJson(111).Replace("\"blob\": \"" + ModelBlob + "\"", "\"path\": \"/tmp/model.onnx\"", StringComparison.Ordinal);
        var settlement = new RecordingSettlement();

        var outcome = await Handler().HandleAsync(IntakeMessages.Of(json, "msg-path"), settlement);

        Assert.Equal(IntakeSettlement.DeadLettered, outcome.Settlement);
        var call = Assert.Single(settlement.Calls);
        Assert.Equal("InvalidSpec", call.Reason);
        Assert.Contains("- $.model.path: local file paths are read only by embedded runs", call.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_EngineUnreachable_AbandonsForRedelivery()
    {
        var settlement = new RecordingSettlement();

        var outcome = await Handler(UnreachableRuns()).HandleAsync(IntakeMessages.Of(SpecJson(106), "msg-down", deliveryCount: 1), settlement);

        Assert.Equal(new IntakeOutcome(IntakeSettlement.Abandoned, ExpectedRunId(106)), outcome);
        Assert.Equal([new Settled("abandon")], settlement.Calls);
    }

    [Fact]
    public async Task HandleAsync_EngineUnreachableOnTheLastDelivery_DeadLettersDeliveryAttemptsExceeded()
    {
        var settlement = new RecordingSettlement();

        var outcome = await Handler(UnreachableRuns(), maxDeliveryCount: 3).HandleAsync(IntakeMessages.Of(SpecJson(107), "msg-down", deliveryCount: 3), settlement);

        Assert.Equal(new IntakeOutcome(IntakeSettlement.DeadLettered, ExpectedRunId(107), DeadLetterReason: "DeliveryAttemptsExceeded"), outcome);
        var call = Assert.Single(settlement.Calls);
        Assert.Equal(("deadletter", "DeliveryAttemptsExceeded"), (call.Action, call.Reason));
        Assert.StartsWith($"Starting run {ExpectedRunId(107)} failed on delivery 3 of 3: RpcException", call.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_ShuttingDown_AbandonsWithoutWaiting()
    {
        var settlement = new RecordingSettlement();
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        var outcome = await Handler().HandleAsync(IntakeMessages.Of(SpecJson(108), "msg-stop"), settlement, stopping.Token);

        Assert.Equal(IntakeSettlement.Abandoned, outcome.Settlement);
        Assert.Equal([new Settled("abandon")], settlement.Calls);
        Assert.DoesNotContain(ExpectedRunId(108), await InstancesAsync());
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task HandleAsync_MessageEnqueuedEarlier_RecordsTheQueueLag()
    {
        var now = new DateTimeOffset(2026, 11, 5, 12, 0, 0, TimeSpan.Zero);
        var lags = new System.Collections.Concurrent.ConcurrentQueue<(double Value, object? Transport)>();
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "FunctionsOpt" && instrument.Name == "functionsopt.queue.lag")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>((_, value, tags, _) => lags.Enqueue((value, tags.ToArray().Single(t => t.Key == "functionsopt.transport").Value)));
        meters.Start();
        var handler = new OptimizationRequestHandler(engine.Host.Runs, new SpecIntake(engine.Host.Store), Options.Create(new ServiceBusOptions()), clock: new FixedClock(now));

        // 7.25 s in the queue: an exactly representable value, which no other test's message has.
        await handler.HandleAsync(IntakeMessages.Of("[]", "msg-lag", enqueuedTime: now.AddSeconds(-7.25)), new RecordingSettlement());

        Assert.Contains((7.25, (object?)"serviceBus"), lags);
    }

    [Fact]
    public async Task HandleAsync_ProcessMessageEventArgs_SettlesThroughTheProcessorsReceiver()
    {
        var receiver = new RecordingReceiver();
        var valid = IntakeMessages.Of(SpecJson(109), "msg-args");
        var invalid = IntakeMessages.Of("[]", "msg-args-invalid");

        await Handler().HandleAsync(new ProcessMessageEventArgs(valid, receiver, CancellationToken.None));
        await Handler().HandleAsync(new ProcessMessageEventArgs(invalid, receiver, CancellationToken.None));

        Assert.Collection(
            receiver.Calls,
            c => Assert.Equal(("complete", "msg-args"), (c.Action, c.Message.MessageId)),
            c =>
            {
                Assert.Equal(("deadletter", "msg-args-invalid", "InvalidSpec"), (c.Action, c.Message.MessageId, c.Reason));
                Assert.Contains("$: is not a JSON object", c.Description, StringComparison.Ordinal);
            });
    }
}
