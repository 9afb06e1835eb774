using System.Globalization;
using Azure.Messaging.ServiceBus;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Tests.Messaging;

/// <summary>
/// The Functions app's timer-driven intake against the SDK's own receiver abstraction (no namespace runs here) and
/// the real embedded durable engine.
/// </summary>
public sealed class ServiceBusIntakeDrainTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    private static string SpecJson(long seed) => string.Create(CultureInfo.InvariantCulture, $$"""
        { "schemaVersion": "1.0", "model": { "blob": "{{EmbeddedEngineFixture.ModelBlob}}" }, "dataset": { "blob": "{{EmbeddedEngineFixture.DataBlob}}", "input": "x", "labelColumn": "y" }, "seed": {{seed}} }
        """);

    private static string ExpectedRunId(long seed) => SpecHash.RunIdOf(new OptimizationSpec
    {
        Model = new ModelReference { Blob = EmbeddedEngineFixture.ModelBlob },
        Dataset = new DatasetReference { Blob = EmbeddedEngineFixture.DataBlob, Input = "x", LabelColumn = "y" },
        Seed = seed,
    });

    private OptimizationRequestHandler Handler() =>
        new(engine.Host.Runs, new SpecIntake(engine.Host.Store), Options.Create(new ServiceBusOptions()), NullLogger<OptimizationRequestHandler>.Instance);

    [Fact]
    public async Task DrainAsync_ValidInvalidAndDuplicate_SettlesEachOnceAndStartsOneRun()
    {
        var valid = IntakeMessages.Of(SpecJson(7001), "m-1");
        var invalid = IntakeMessages.Of("{ \"schemaVersion\": \"1.0\" }", "m-2");
        var duplicate = IntakeMessages.Of(SpecJson(7001), "m-3");
        var receiver = new RecordingReceiver(valid, invalid, duplicate);

        var outcomes = await ServiceBusIntakeDrain.DrainAsync(receiver, Handler(), maxMessages: 10, TimeSpan.FromSeconds(1));

        var runId = ExpectedRunId(7001);
        Assert.Equal(
            [
                new IntakeOutcome(IntakeSettlement.Completed, runId, Started: true),
                new IntakeOutcome(IntakeSettlement.DeadLettered, DeadLetterReason: IntakeDeadLetterReasons.InvalidSpec),
                new IntakeOutcome(IntakeSettlement.Completed, runId, Started: false),
            ],
            outcomes);
        Assert.Equal(["complete", "deadletter", "complete"], receiver.Calls.Select(c => c.Action));
        Assert.Equal(["m-1", "m-2", "m-3"], receiver.Calls.Select(c => c.Message.MessageId));
        Assert.Equal(IntakeDeadLetterReasons.InvalidSpec, receiver.Calls[1].Reason);
        Assert.NotNull(await engine.Host.Client.GetInstanceAsync(runId));
        // Three messages fit one batch; the second call asks only for the 7 the limit still allows, finds none, and ends.
        Assert.Equal([10, 7], receiver.ReceiveCalls);
    }

    [Fact]
    public async Task DrainAsync_MoreMessagesThanTheLimit_HandlesTheLimitAndLeavesTheRest()
    {
        var messages = Enumerable.Range(0, 20).Select(i => IntakeMessages.Of("not json", "bad-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var receiver = new RecordingReceiver(messages);

        var outcomes = await ServiceBusIntakeDrain.DrainAsync(receiver, Handler(), maxMessages: 18, TimeSpan.FromSeconds(1));

        Assert.Equal(18, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(IntakeSettlement.DeadLettered, o.Settlement));
        Assert.Equal(2, receiver.Waiting);
        // A full batch of 16, then only the 2 the limit still allows.
        Assert.Equal([16, 2], receiver.ReceiveCalls);
    }

    [Fact]
    public async Task DrainAsync_ReceiveAndDeleteReceiver_ThrowsBeforeReceiving()
    {
        var receiver = new RecordingReceiver(IntakeMessages.Of(SpecJson(7002), "m-1")) { Mode = ServiceBusReceiveMode.ReceiveAndDelete };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => ServiceBusIntakeDrain.DrainAsync(receiver, Handler(), 10, TimeSpan.FromSeconds(1)));

        Assert.Contains("peek-lock", ex.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.ReceiveCalls);
    }
}
