using Azure.Storage.Queues.Models;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Functions.Triggers;

/// <summary>
/// The queue journey: a message on <see cref="QueueName"/> whose text is an optimization spec (the same JSON as the
/// HTTP body, plain text: host.json sets <c>messageEncoding</c> to <c>none</c>) starts its run. A redelivered or
/// repeated message maps to the same run id and starts nothing new. A message that can never start a run is logged
/// with every problem and rethrown as <see cref="InvalidOptimizationRequestException"/>: the runtime retries it up to
/// <c>maxDequeueCount</c> times (5, host.json) and then moves it, unchanged, to <c>optimization-requests-poison</c>;
/// the reason is in the logs (event 4102, with the message id) and in the failed invocations' exceptions.
/// </summary>
public sealed partial class OptimizationRequestQueueFunction(IArtifactStore store, TimeProvider clock, ILogger<OptimizationApi> apiLogger, ILogger<OptimizationRequestQueueFunction> logger)
{
    /// <summary>The intake queue (infra/app/storage.bicep creates it and its poison queue).</summary>
    public const string QueueName = "optimization-requests";

    /// <summary>Starts the run of the queued spec.</summary>
    [Function("SubmitQueuedOptimization")]
    public async Task RunAsync(
        [QueueTrigger(QueueName, Connection = "AzureWebJobsStorage")] QueueMessage message,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var api = new OptimizationApi(new OptimizationRunClient(client, store, clock), store, clock, apiLogger);
        var outcome = await api.SubmitAsync(message.Body?.ToString(), $"queue:{QueueName}/{message.MessageId}", cancellationToken);
        if (outcome.Problem is { } problem)
        {
            var exception = new InvalidOptimizationRequestException(message.MessageId, problem);
            LogRejected(logger, message.MessageId, message.DequeueCount, problem.Code, exception.Message);
            throw exception;
        }

        LogAccepted(logger, message.MessageId, outcome.RunId!, outcome.Started);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Queue message {MessageId} → run {RunId} (started now: {Started})")]
    private static partial void LogAccepted(ILogger logger, string messageId, string runId, bool started);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Queue message {MessageId} rejected on delivery {DequeueCount} ({Code}); it goes to the poison queue after the last delivery. {Reason}")]
    private static partial void LogRejected(ILogger logger, string messageId, long dequeueCount, string code, string reason);
}
