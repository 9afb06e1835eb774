using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Hosting.Http;

/// <summary>Structured log events of the portable host's HTTP API (event ids 7200-7299).</summary>
internal static partial class HttpApiLog
{
    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "Refused {Method} {Path} from {Remote}: {Reason}")]
    public static partial void ApiKeyRefused(ILogger logger, string method, string path, string remote, string reason);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Error, Message = "{Method} {Path} failed (trace {TraceId})")]
    public static partial void RequestFailed(ILogger logger, string method, string path, string traceId, Exception exception);
}
