using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>Structured log events of the blob watcher and the queue listener (event ids 7100-7199).</summary>
internal static partial class IngestionLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Watching {Container} for *.opt.json specs every {Interval}")]
    public static partial void BlobWatcherStarted(ILogger logger, Uri container, TimeSpan interval);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Spec blob {Name} submitted as run {RunId} (started: {Started})")]
    public static partial void SpecBlobSubmitted(ILogger logger, string name, string runId, bool started);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Spec blob {Name} rejected with {Count} problem(s), written to {ErrorBlob}")]
    public static partial void SpecBlobRejected(ILogger logger, string name, int count, string errorBlob);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Spec blob {Name} could not be handled now; it is retried at the next poll")]
    public static partial void SpecBlobDeferred(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Warning, Message = "Listing the models container failed; retrying at the next poll")]
    public static partial void BlobScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7106, Level = LogLevel.Warning, Message = "Spec blob {Name} has a name the artifact store refuses ({Reason}); it is skipped")]
    public static partial void SpecBlobNameRefused(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Information, Message = "Listening on {Queue} (idle poll every {Interval})")]
    public static partial void QueueListenerStarted(ILogger logger, Uri queue, TimeSpan interval);

    [LoggerMessage(EventId = 7112, Level = LogLevel.Information, Message = "Message {MessageId} submitted as run {RunId} (started: {Started})")]
    public static partial void MessageSubmitted(ILogger logger, string messageId, string runId, bool started);

    [LoggerMessage(EventId = 7113, Level = LogLevel.Warning, Message = "Message {MessageId} moved to the poison queue: {Reason}")]
    public static partial void MessagePoisoned(ILogger logger, string messageId, string reason);

    [LoggerMessage(EventId = 7114, Level = LogLevel.Warning, Message = "Message {MessageId} (received {DequeueCount} times) could not be handled now; it reappears after its visibility timeout")]
    public static partial void MessageDeferred(ILogger logger, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(EventId = 7115, Level = LogLevel.Warning, Message = "Receiving from the request queue failed; retrying after the poll interval")]
    public static partial void QueueReceiveFailed(ILogger logger, Exception exception);
}
