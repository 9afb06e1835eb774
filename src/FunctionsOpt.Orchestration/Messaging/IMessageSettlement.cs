using Azure.Messaging.ServiceBus;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// How a peek-locked message is settled: the three outcomes the intake uses. The production implementation forwards
/// to <see cref="ProcessMessageEventArgs"/>; a message is settled at most once.
/// </summary>
public interface IMessageSettlement
{
    /// <summary>Removes the message from the queue (the run was accepted).</summary>
    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Releases the lock so the broker redelivers the message (its delivery count grows).</summary>
    Task AbandonAsync(CancellationToken cancellationToken);

    /// <summary>Moves the message to the queue's dead-letter sub-queue with a reason and a description.</summary>
    Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken);
}

/// <summary>Settles the message of one <see cref="ProcessMessageEventArgs"/> through the processor's receiver.</summary>
/// <param name="args">The processor's callback arguments.</param>
public sealed class ProcessMessageSettlement(ProcessMessageEventArgs args) : IMessageSettlement
{
    private readonly ProcessMessageEventArgs _args = args ?? throw new ArgumentNullException(nameof(args));

    /// <inheritdoc />
    public Task CompleteAsync(CancellationToken cancellationToken) => _args.CompleteMessageAsync(_args.Message, cancellationToken);

    /// <inheritdoc />
    public Task AbandonAsync(CancellationToken cancellationToken) => _args.AbandonMessageAsync(_args.Message, null, cancellationToken);

    /// <inheritdoc />
    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
        _args.DeadLetterMessageAsync(_args.Message, reason, description, cancellationToken);
}

/// <summary>Settles one received message through the <see cref="ServiceBusReceiver"/> that received it.</summary>
/// <param name="receiver">The receiver that holds the message's lock.</param>
/// <param name="message">The peek-locked message.</param>
public sealed class ReceiverSettlement(ServiceBusReceiver receiver, ServiceBusReceivedMessage message) : IMessageSettlement
{
    private readonly ServiceBusReceiver _receiver = receiver ?? throw new ArgumentNullException(nameof(receiver));
    private readonly ServiceBusReceivedMessage _message = message ?? throw new ArgumentNullException(nameof(message));

    /// <inheritdoc />
    public Task CompleteAsync(CancellationToken cancellationToken) => _receiver.CompleteMessageAsync(_message, cancellationToken);

    /// <inheritdoc />
    public Task AbandonAsync(CancellationToken cancellationToken) => _receiver.AbandonMessageAsync(_message, null, cancellationToken);

    /// <inheritdoc />
    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
        _receiver.DeadLetterMessageAsync(_message, reason, description, cancellationToken);
}
