using Azure.Messaging.ServiceBus;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// The Service Bus intake for hosts that cannot keep a processor running: the Functions app, whose durable client
/// exists only inside an invocation (the Service Bus trigger extension is not available to it), drains the requests
/// queue from a timer. Receives peek-locked batches until the queue is empty, the message limit is reached or the
/// token is cancelled, and hands each message to <see cref="OptimizationRequestHandler"/>, which settles it exactly
/// once. Competing with a portable host's processor on the same queue is safe: run ids are deterministic.
/// </summary>
public static class ServiceBusIntakeDrain
{
    /// <summary>Messages asked for per receive call.</summary>
    public const int BatchSize = 16;

    /// <summary>
    /// Handles up to <paramref name="maxMessages"/> messages from <paramref name="receiver"/> (which must be in
    /// peek-lock mode) and returns their outcomes in the order received.
    /// </summary>
    /// <param name="receiver">A peek-lock receiver on the requests queue.</param>
    /// <param name="handler">Validates, starts and settles each message.</param>
    /// <param name="maxMessages">Most messages handled by this call, so one timer tick stays short.</param>
    /// <param name="maxWaitTime">How long a receive call waits for the first message of a batch.</param>
    /// <param name="cancellationToken">Stops after the message in hand; unhandled locks expire and the broker redelivers.</param>
    public static async Task<IReadOnlyList<IntakeOutcome>> DrainAsync(
        ServiceBusReceiver receiver, OptimizationRequestHandler handler, int maxMessages, TimeSpan maxWaitTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (receiver.ReceiveMode != ServiceBusReceiveMode.PeekLock)
        {
            throw new ArgumentException("The intake settles each message itself; the receiver must use peek-lock mode.", nameof(receiver));
        }

        var outcomes = new List<IntakeOutcome>();
        while (outcomes.Count < maxMessages && !cancellationToken.IsCancellationRequested)
        {
            var batch = await receiver.ReceiveMessagesAsync(Math.Min(BatchSize, maxMessages - outcomes.Count), maxWaitTime, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                outcomes.Add(await handler.HandleAsync(message, new ReceiverSettlement(receiver, message), cancellationToken).ConfigureAwait(false));
            }
        }

        return outcomes;
    }
}
