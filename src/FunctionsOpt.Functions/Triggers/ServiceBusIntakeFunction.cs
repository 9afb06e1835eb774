using Azure.Messaging.ServiceBus;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Messaging;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Functions.Triggers;

/// <summary>
/// The Service Bus intake of the Functions app. The Service Bus trigger extension is not available to this app and its
/// durable client exists only inside an invocation, so a timer drains the requests queue every
/// <see cref="Schedule"/> with <see cref="ServiceBusIntakeDrain"/> (peek-lock; invalid specs dead-lettered with a
/// reason, transient failures abandoned for redelivery, duplicates mapped to one run id). Off unless the transport
/// is Service Bus and <see cref="ServiceBusOptions.IntakeEnabled"/>; a portable host's processor may consume the same
/// queue at the same time.
/// </summary>
public sealed partial class ServiceBusIntakeFunction(
    IArtifactStore store,
    IOptions<ServiceBusOptions> options,
    IServiceProvider services,
    TimeProvider clock,
    ILogger<OptimizationRequestHandler> handlerLogger,
    ILogger<ServiceBusIntakeFunction> logger)
{
    /// <summary>NCRONTAB with seconds: every 10 seconds, which bounds the delay before a queued run starts.</summary>
    public const string Schedule = "*/10 * * * * *";

    /// <summary>Starts the runs of the specs waiting on the Service Bus requests queue.</summary>
    [Function("DrainServiceBusRequests")]
    public async Task RunAsync(
        [TimerTrigger(Schedule)] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Transport != MessagingTransport.ServiceBus || !settings.IntakeEnabled)
        {
            return;
        }

        // Resolved only here: with the storage-queue transport no Service Bus client is ever created.
        var busClient = services.GetRequiredService<ServiceBusClient>();
        var handler = new OptimizationRequestHandler(new OptimizationRunClient(client, store, clock), new SpecIntake(store), options, handlerLogger, clock);
        await using var receiver = busClient.CreateReceiver(settings.RequestsQueueName, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock });
        var outcomes = await ServiceBusIntakeDrain.DrainAsync(receiver, handler, settings.DrainMaxMessages, settings.DrainMaxWaitTime, cancellationToken);
        if (outcomes.Count > 0)
        {
            int started = 0, deadLettered = 0, abandoned = 0;
            foreach (var outcome in outcomes)
            {
                started += outcome.Started ? 1 : 0;
                deadLettered += outcome.Settlement == IntakeSettlement.DeadLettered ? 1 : 0;
                abandoned += outcome.Settlement == IntakeSettlement.Abandoned ? 1 : 0;
            }

            LogDrained(logger, outcomes.Count, started, deadLettered, abandoned);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Service Bus intake drained {Count} messages: {Started} runs started, {DeadLettered} dead-lettered, {Abandoned} abandoned for redelivery")]
    private static partial void LogDrained(ILogger logger, int count, int started, int deadLettered, int abandoned);
}
