using FunctionsOpt.Orchestration.Messaging;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// Publishes one run event through the registered <see cref="IRunEventPublisher"/> (Service Bus topic, or only a log
/// line on the storage-queue transport), RunProgress throttled by <see cref="RunProgressThrottle"/>. Returns whether
/// it published. At least once: a retry republishes the same event id. The orchestrator treats a failure here as
/// harmless (events never fail a run).
/// </summary>
public sealed partial class PublishRunEventActivity(
    IRunEventPublisher publisher, RunProgressThrottle throttle, ILogger<PublishRunEventActivity>? logger = null) : TaskActivity<RunEvent, bool>
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, RunEvent input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!throttle.ShouldPublish(input))
        {
            LogThrottled(_logger, input.EventId);
            return false;
        }

        await publisher.PublishAsync(input).ConfigureAwait(false);
        throttle.MarkPublished(input);
        return true;
    }

    [LoggerMessage(EventId = 6013, Level = LogLevel.Debug, Message = "Run event {EventId} throttled")]
    private static partial void LogThrottled(ILogger logger, string eventId);
}
