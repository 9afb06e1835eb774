using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>Structured log events of the artifact stores (event ids 5100-5199).</summary>
internal static partial class ArtifactStoreLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Artifact {Path} written")]
    public static partial void Written(ILogger logger, ArtifactPath path);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "Artifact {Path} already exists; reused, not rewritten")]
    public static partial void Reused(ILogger logger, ArtifactPath path);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Debug, Message = "State of run {RunId} written at version {Version}")]
    public static partial void StateWritten(ILogger logger, string runId, long version);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Debug, Message = "State of run {RunId} changed concurrently (attempt {Attempt} of {MaxAttempts}); retrying")]
    public static partial void StateConflict(ILogger logger, string runId, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Created container {Container}")]
    public static partial void ContainerCreated(ILogger logger, string container);
}
