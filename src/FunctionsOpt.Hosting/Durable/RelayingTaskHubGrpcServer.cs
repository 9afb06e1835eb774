using DurableTask.Core;
using Grpc.Core;
using Microsoft.DurableTask.Protobuf;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>
/// The stock gRPC sidecar with its work-item stream routed through a <see cref="WorkItemRelay"/>: every work item is
/// kept until the worker completes it and is redelivered when the worker reconnects, completions of stale deliveries are
/// acknowledged and dropped, abandoned items are delivered again, and an attached stream gets health pings.
/// </summary>
internal sealed partial class RelayingTaskHubGrpcServer : TaskHubGrpcServer
{
    private static readonly Task<CompleteTaskResponse> Acknowledged = Task.FromResult(new CompleteTaskResponse());

    private readonly WorkItemRelay _relay;
    private readonly RelayStreamWriter _writer;
    private readonly ILogger _logger;

    public RelayingTaskHubGrpcServer(
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggers,
        IOrchestrationService service,
        IOrchestrationServiceClient client,
        IOptions<TaskHubGrpcServerOptions> options,
        WorkItemRelay relay)
        : base(lifetime, loggers, service, client, options)
    {
        _relay = relay;
        _writer = new RelayStreamWriter(relay);
        _logger = loggers.CreateLogger<RelayingTaskHubGrpcServer>();
    }

    public override async Task GetWorkItems(GetWorkItemsRequest request, IServerStreamWriter<WorkItem> responseStream, ServerCallContext context)
    {
        // The base accepts the stream (or refuses a second one) before its first await and then waits for the stream
        // to end; it writes only through the relay's writer, so nothing it sends is tied to this stream.
        var accepted = base.GetWorkItems(request, _writer, context);
        if (accepted.IsCompleted)
        {
            await accepted.ConfigureAwait(false);
            return;
        }

        var generation = await _relay.AttachAsync(responseStream, context.CancellationToken).ConfigureAwait(false);
        var pings = _relay.PingUntilEndedAsync(generation, context.CancellationToken);
        try
        {
            await accepted.ConfigureAwait(false);
        }
        finally
        {
            _relay.Detach(generation);
            await pings.ConfigureAwait(false);
        }
    }

    public override Task<CompleteTaskResponse> CompleteActivityTask(ActivityResponse request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_relay.TryComplete(WorkItemRelay.ActivityKey(request.InstanceId, request.TaskId), request.CompletionToken, final: true))
        {
            StaleCompletion(_logger, "activity", request.InstanceId, request.TaskId);
            return Acknowledged;
        }

        return base.CompleteActivityTask(request, context);
    }

    public override Task<CompleteTaskResponse> CompleteOrchestratorTask(OrchestratorResponse request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
#pragma warning disable CS0612 // Obsolete in the protocol, but the stock sidecar still accumulates partial (chunked) responses by it.
        var final = !request.IsPartial;
#pragma warning restore CS0612
        if (!_relay.TryComplete(WorkItemRelay.OrchestratorKey(request.InstanceId), request.CompletionToken, final))
        {
            StaleCompletion(_logger, "orchestrator", request.InstanceId, -1);
            return Acknowledged;
        }

        return base.CompleteOrchestratorTask(request, context);
    }

    public override async Task<AbandonActivityTaskResponse> AbandonTaskActivityWorkItem(AbandonActivityTaskRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        _ = _relay.RedeliverAbandonedAsync(request.CompletionToken);
        return await base.AbandonTaskActivityWorkItem(request, context).ConfigureAwait(false);
    }

    public override async Task<AbandonOrchestrationTaskResponse> AbandonTaskOrchestratorWorkItem(AbandonOrchestrationTaskRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        _ = _relay.RedeliverAbandonedAsync(request.CompletionToken);
        return await base.AbandonTaskOrchestratorWorkItem(request, context).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Dropped a stale {Kind} completion for {InstanceId} (task {TaskId}): it was delivered more than once or superseded")]
    private static partial void StaleCompletion(ILogger logger, string kind, string instanceId, int taskId);

    /// <summary>What the base server writes to: the relay, whatever stream is attached.</summary>
    private sealed class RelayStreamWriter(WorkItemRelay relay) : IServerStreamWriter<WorkItem>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(WorkItem message) => relay.SendAsync(message);
    }
}
