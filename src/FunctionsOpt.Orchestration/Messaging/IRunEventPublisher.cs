namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// Publishes run events. Called from <see cref="Durable.PublishRunEventActivity"/>, so at least once: an event may
/// be published again with the same <see cref="RunEvent.EventId"/>, which consumers (and the topic's duplicate
/// detection) use to drop the repeat. Implementations are thread-safe.
/// </summary>
public interface IRunEventPublisher
{
    /// <summary>Publishes <paramref name="runEvent"/>; throws when it could not be (the activity is retried).</summary>
    Task PublishAsync(RunEvent runEvent, CancellationToken cancellationToken = default);
}
