using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// The storage-queue transport's publisher (and the embedded engine's): there is no topic, so each event is only
/// logged, with its type, id and run. Never fails. Thread-safe.
/// </summary>
public sealed partial class LoggingRunEventPublisher(ILogger<LoggingRunEventPublisher>? logger = null) : IRunEventPublisher
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <inheritdoc />
    public Task PublishAsync(RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        LogEvent(_logger, runEvent.EventType, runEvent.EventId, runEvent.RunId, runEvent.Status);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "{Type} {EventId} (run {RunId}, {Status})")]
    private static partial void LogEvent(ILogger logger, string type, string eventId, string runId, Contracts.RunStatus status);
}
