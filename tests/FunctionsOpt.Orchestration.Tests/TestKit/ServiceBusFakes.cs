using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using FunctionsOpt.Orchestration.Messaging;

namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>One settlement call as the fakes record it.</summary>
internal sealed record Settled(string Action, string? Reason = null, string? Description = null);

/// <summary>Records every settlement of the messages handed to it.</summary>
internal sealed class RecordingSettlement : IMessageSettlement
{
    private readonly ConcurrentQueue<Settled> _calls = new();

    public IReadOnlyList<Settled> Calls => _calls.ToArray();

    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        _calls.Enqueue(new Settled("complete"));
        return Task.CompletedTask;
    }

    public Task AbandonAsync(CancellationToken cancellationToken)
    {
        _calls.Enqueue(new Settled("abandon"));
        return Task.CompletedTask;
    }

    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken)
    {
        _calls.Enqueue(new Settled("deadletter", reason, description));
        return Task.CompletedTask;
    }
}

/// <summary>A <see cref="ServiceBusSender"/> (through its mocking constructor) that records what it is asked to send.</summary>
internal sealed class RecordingSender(string entityPath = "optimization-events") : ServiceBusSender
{
    private readonly ConcurrentQueue<ServiceBusMessage> _sent = new();

    public IReadOnlyList<ServiceBusMessage> Sent => _sent.ToArray();

    public bool Disposed { get; private set; }

    public override string EntityPath => entityPath;

    public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
    {
        _sent.Enqueue(message);
        return Task.CompletedTask;
    }

#pragma warning disable CA2215 // The mocking constructor leaves the base without a connection to close.
    public override ValueTask DisposeAsync()
#pragma warning restore CA2215
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A <see cref="ServiceBusReceiver"/> (through its mocking constructor) that records settlements and serves
/// <see cref="ReceiveMessagesAsync"/> from the messages it was given, at most as many per call as asked for.
/// </summary>
internal sealed class RecordingReceiver(params ServiceBusReceivedMessage[] waiting) : ServiceBusReceiver
{
    private readonly ConcurrentQueue<(string Action, ServiceBusReceivedMessage Message, string? Reason, string? Description)> _calls = new();
    private readonly ConcurrentQueue<ServiceBusReceivedMessage> _waiting = new(waiting);
    private readonly ConcurrentQueue<int> _asked = new();

    /// <summary>The <c>maxMessages</c> of every receive call, in order.</summary>
    public IReadOnlyList<int> ReceiveCalls => _asked.ToArray();

    /// <summary>Messages never received.</summary>
    public int Waiting => _waiting.Count;

    public ServiceBusReceiveMode Mode { get; init; } = ServiceBusReceiveMode.PeekLock;

    public override ServiceBusReceiveMode ReceiveMode => Mode;

    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        _asked.Enqueue(maxMessages);
        var batch = new List<ServiceBusReceivedMessage>();
        while (batch.Count < maxMessages && _waiting.TryDequeue(out var message))
        {
            batch.Add(message);
        }

        return Task.FromResult<IReadOnlyList<ServiceBusReceivedMessage>>(batch);
    }

    public IReadOnlyList<(string Action, ServiceBusReceivedMessage Message, string? Reason, string? Description)> Calls => _calls.ToArray();

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        _calls.Enqueue(("complete", message, null, null));
        return Task.CompletedTask;
    }

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        _calls.Enqueue(("abandon", message, null, null));
        return Task.CompletedTask;
    }

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        _calls.Enqueue(("deadletter", message, deadLetterReason, deadLetterErrorDescription));
        return Task.CompletedTask;
    }

    public override Task DeadLetterMessageAsync(
        ServiceBusReceivedMessage message, IDictionary<string, object> propertiesToModify, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        _calls.Enqueue(("deadletter", message, deadLetterReason, deadLetterErrorDescription));
        return Task.CompletedTask;
    }
}

/// <summary>Records every run event published.</summary>
internal sealed class RecordingRunEventPublisher : IRunEventPublisher
{
    private readonly ConcurrentQueue<RunEvent> _events = new();

    public IReadOnlyList<RunEvent> Events => _events.ToArray();

    public Task PublishAsync(RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(runEvent);
        return Task.CompletedTask;
    }
}

/// <summary>Intake messages as the broker would deliver them, made with the SDK's model factory.</summary>
internal static class IntakeMessages
{
    public static ServiceBusReceivedMessage Of(string body, string messageId, int deliveryCount = 1, DateTimeOffset? enqueuedTime = null) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString(body),
            messageId: messageId,
            contentType: "application/json",
            deliveryCount: deliveryCount,
            enqueuedTime: enqueuedTime ?? DateTimeOffset.UtcNow,
            lockTokenGuid: Guid.NewGuid());
}
