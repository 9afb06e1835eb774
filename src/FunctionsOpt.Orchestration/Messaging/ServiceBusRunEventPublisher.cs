using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// Publishes run events to the events topic (<see cref="ServiceBusOptions.EventsTopicName"/>) as CloudEvents JSON in
/// structured mode (<see cref="RunCloudEvent"/>). Each message's id is the deterministic event id, so the topic's
/// duplicate detection drops a republished event; its subject and correlation id are the run id; its application
/// properties <c>type</c>, <c>runId</c> and <c>status</c> allow subscription filters (for example
/// <c>type = 'FunctionsOpt.RunCompleted'</c>). Owns the sender. Thread-safe.
/// </summary>
public sealed partial class ServiceBusRunEventPublisher : IRunEventPublisher, IAsyncDisposable
{
    /// <summary>Application property holding the CloudEvents type.</summary>
    public const string TypeProperty = "type";

    /// <summary>Application property holding the run id.</summary>
    public const string RunIdProperty = "runId";

    /// <summary>Application property holding the run's status (camelCase).</summary>
    public const string StatusProperty = "status";

    private readonly ServiceBusSender _sender;
    private readonly ServiceBusOptions _options;
    private readonly ILogger _logger;

    /// <summary>Publishes through <paramref name="sender"/> (a sender for the events topic).</summary>
    public ServiceBusRunEventPublisher(ServiceBusSender sender, IOptions<ServiceBusOptions> options, ILogger<ServiceBusRunEventPublisher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(options);
        _sender = sender;
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The message <paramref name="runEvent"/> is sent as.</summary>
    public ServiceBusMessage ToMessage(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        var message = new ServiceBusMessage(RunCloudEvent.ToJson(runEvent, _options))
        {
            MessageId = runEvent.EventId,
            ContentType = RunCloudEvent.ContentType,
            Subject = runEvent.RunId,
            CorrelationId = runEvent.RunId,
        };
        message.ApplicationProperties[TypeProperty] = runEvent.EventType;
        message.ApplicationProperties[RunIdProperty] = runEvent.RunId;
        message.ApplicationProperties[StatusProperty] = JsonNamingPolicy.CamelCase.ConvertName(runEvent.Status.ToString());
        return message;
    }

    /// <inheritdoc />
    public async Task PublishAsync(RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        var message = ToMessage(runEvent);
        await _sender.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        LogSent(_logger, runEvent.EventType, message.MessageId, _sender.EntityPath);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _sender.DisposeAsync();

    [LoggerMessage(EventId = 6012, Level = LogLevel.Debug, Message = "Sent {Type} {EventId} to {Topic}")]
    private static partial void LogSent(ILogger logger, string type, string eventId, string? topic);
}
