using System.Text;
using Azure.Messaging.ServiceBus;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Optimization;
using FunctionsOpt.Orchestration.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>How the intake settled one message.</summary>
public enum IntakeSettlement
{
    /// <summary>Completed: a run was started, or one with the same run id already existed.</summary>
    Completed,

    /// <summary>Abandoned after a transient failure; the broker redelivers it.</summary>
    Abandoned,

    /// <summary>Dead-lettered with a reason and a description.</summary>
    DeadLettered,
}

/// <summary>The outcome of handling one intake message.</summary>
/// <param name="Settlement">How the message was settled.</param>
/// <param name="RunId">The deterministic run id, once the spec was valid.</param>
/// <param name="Started">True when this message started the run (false for a duplicate).</param>
/// <param name="DeadLetterReason">The reason, when dead-lettered (see <see cref="IntakeDeadLetterReasons"/>).</param>
public sealed record IntakeOutcome(IntakeSettlement Settlement, string? RunId = null, bool Started = false, string? DeadLetterReason = null);

/// <summary>Dead-letter reasons the intake writes (stable: operators filter on them).</summary>
public static class IntakeDeadLetterReasons
{
    /// <summary>The body is not a valid optimization spec; the description lists every problem.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>The spec is valid but names model or data blobs the store does not hold; the description names them.</summary>
    public const string BlobNotFound = "BlobNotFound";

    /// <summary>Starting the run failed on the last delivery the queue allows; the description holds the error.</summary>
    public const string DeliveryAttemptsExceeded = "DeliveryAttemptsExceeded";
}

/// <summary>
/// The intake's logic for one peek-locked message whose body is the spec JSON (the same document as the HTTP API):
/// check it with the same <see cref="SpecIntake"/> as every other entry point (schema, pass catalogue, blobs only,
/// blobs exist), start the run through <see cref="OptimizationRunClient.SubmitAsync"/>, then settle. A valid spec
/// completes the message; an invalid one is dead-lettered with reason <see cref="IntakeDeadLetterReasons.InvalidSpec"/>
/// (or <see cref="IntakeDeadLetterReasons.BlobNotFound"/>) and a description listing every problem; a failure to start is
/// treated as transient and abandoned, so the broker redelivers it until its MaxDeliveryCount, and on that last
/// delivery it is dead-lettered here with <see cref="IntakeDeadLetterReasons.DeliveryAttemptsExceeded"/>.
/// Idempotent: the run id is derived from the spec (<see cref="SpecHash.RunIdOf"/>), so a redelivered or duplicated
/// message (any message id) starts nothing new and is completed. Thread-safe.
/// </summary>
public sealed partial class OptimizationRequestHandler
{
    /// <summary>Longest dead-letter description written; longer problem lists are cut at a whole line and counted.</summary>
    public const int MaxDescriptionLength = 4096;

    private readonly OptimizationRunClient _runs;
    private readonly ServiceBusOptions _options;
    private readonly SpecIntake _intake;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;

    /// <summary>
    /// Creates the handler; <paramref name="intake"/> checks specs against the artifact store the runs read, and
    /// <paramref name="clock"/> (for the queue-lag metric) defaults to the system clock.
    /// </summary>
    public OptimizationRequestHandler(
        OptimizationRunClient runs,
        SpecIntake intake,
        IOptions<ServiceBusOptions> options,
        ILogger<OptimizationRequestHandler>? logger = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(intake);
        ArgumentNullException.ThrowIfNull(options);
        _runs = runs;
        _intake = intake;
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Handles the message of a processor callback and settles it through the callback's receiver.</summary>
    public Task<IntakeOutcome> HandleAsync(ProcessMessageEventArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return HandleAsync(args.Message, new ProcessMessageSettlement(args), args.CancellationToken);
    }

    /// <summary>Handles <paramref name="message"/> and settles it exactly once through <paramref name="settlement"/>.</summary>
    public async Task<IntakeOutcome> HandleAsync(ServiceBusReceivedMessage message, IMessageSettlement settlement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(settlement);
        FunctionsOptTelemetry.QueueLag.Record(
            Math.Max(0, (_clock.GetUtcNow() - message.EnqueuedTime).TotalSeconds),
            new KeyValuePair<string, object?>(FunctionsOptTelemetry.TransportTag, "serviceBus"));
        OptimizationSpec? spec;
        ApiProblem? problem;
        try
        {
            (spec, problem) = await _intake.CheckAsync(message.Body.ToString(), "servicebus:" + message.MessageId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await settlement.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
            return new IntakeOutcome(IntakeSettlement.Abandoned);
        }
#pragma warning disable CA1031 // The store could not be read: transient, the broker's redelivery is the retry.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return await FailedToStartAsync(message, settlement, ex, runId: null, cancellationToken).ConfigureAwait(false);
        }

        if (spec is null)
        {
            var reason = problem!.Code == SpecIntake.MissingBlobCode ? IntakeDeadLetterReasons.BlobNotFound : IntakeDeadLetterReasons.InvalidSpec;
            var problems = problem.Errors is { Count: > 0 } errors
                ? errors.Select(e => $"{e.Path}: {e.Message} (fix: {e.Fix})").ToArray()
                : [problem.Detail];
            LogInvalidSpec(_logger, message.MessageId, reason, problems.Length);
            await settlement.DeadLetterAsync(reason, Describe(problems), cancellationToken).ConfigureAwait(false);
            return new IntakeOutcome(IntakeSettlement.DeadLettered, DeadLetterReason: reason);
        }

        var runId = SpecHash.RunIdOf(spec);
        SubmitResult result;
        try
        {
            result = await _runs.SubmitAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: hand the message back now rather than let its lock expire.
            await settlement.AbandonAsync(CancellationToken.None).ConfigureAwait(false);
            return new IntakeOutcome(IntakeSettlement.Abandoned, runId);
        }
#pragma warning disable CA1031 // Any failure to start is transient here (the spec is valid): the broker's redelivery is the retry.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return await FailedToStartAsync(message, settlement, ex, runId, cancellationToken).ConfigureAwait(false);
        }

        await settlement.CompleteAsync(cancellationToken).ConfigureAwait(false);
        if (result.Started)
        {
            LogStarted(_logger, message.MessageId, result.RunId);
        }
        else
        {
            LogDuplicate(_logger, message.MessageId, result.RunId);
        }

        return new IntakeOutcome(IntakeSettlement.Completed, result.RunId, result.Started);
    }

    /// <summary>
    /// A transient failure (store or engine unreachable): abandoned for redelivery, or dead-lettered with the error on
    /// the last delivery the queue allows.
    /// </summary>
    private async Task<IntakeOutcome> FailedToStartAsync(ServiceBusReceivedMessage message, IMessageSettlement settlement, Exception ex, string? runId, CancellationToken cancellationToken)
    {
        var what = runId is null ? "Checking the spec" : $"Starting run {runId}";
        if (message.DeliveryCount >= _options.MaxDeliveryCount)
        {
            LogGaveUp(_logger, ex, message.MessageId, runId ?? "(unchecked)", message.DeliveryCount);
            var description = Truncate($"{what} failed on delivery {message.DeliveryCount} of {_options.MaxDeliveryCount}: {ex.GetType().Name}: {ex.Message}");
            await settlement.DeadLetterAsync(IntakeDeadLetterReasons.DeliveryAttemptsExceeded, description, cancellationToken).ConfigureAwait(false);
            return new IntakeOutcome(IntakeSettlement.DeadLettered, runId, DeadLetterReason: IntakeDeadLetterReasons.DeliveryAttemptsExceeded);
        }

        LogTransient(_logger, ex, message.MessageId, runId ?? "(unchecked)", message.DeliveryCount, _options.MaxDeliveryCount);
        await settlement.AbandonAsync(cancellationToken).ConfigureAwait(false);
        return new IntakeOutcome(IntakeSettlement.Abandoned, runId);
    }

    private static string Describe(string[] problems)
    {
        var text = new StringBuilder($"The optimization spec has {problems.Length} problem(s):");
        for (var i = 0; i < problems.Length; i++)
        {
            var line = "\n- " + problems[i];
            var rest = FormattableString.Invariant($"\n- ... and {problems.Length - i} more (the description is cut at {MaxDescriptionLength} characters)");
            if (text.Length + line.Length + (i == problems.Length - 1 ? 0 : rest.Length) > MaxDescriptionLength)
            {
                return Truncate(text.Append(rest).ToString());
            }

            text.Append(line);
        }

        return text.ToString();
    }

    private static string Truncate(string text) => text.Length <= MaxDescriptionLength ? text : text[..MaxDescriptionLength];

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Service Bus message {MessageId} started run {RunId}")]
    private static partial void LogStarted(ILogger logger, string messageId, string runId);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Service Bus message {MessageId} repeats run {RunId}; nothing new started")]
    private static partial void LogDuplicate(ILogger logger, string messageId, string runId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Service Bus message {MessageId} cannot start a run ({Reason}, {Count} problem(s)); dead-lettered")]
    private static partial void LogInvalidSpec(ILogger logger, string messageId, string reason, int count);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Service Bus message {MessageId}: starting run {RunId} failed on delivery {DeliveryCount} of {MaxDeliveryCount}; abandoned for redelivery")]
    private static partial void LogTransient(ILogger logger, Exception exception, string messageId, string runId, int deliveryCount, int maxDeliveryCount);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Service Bus message {MessageId}: starting run {RunId} failed on its last delivery ({DeliveryCount}); dead-lettered")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string messageId, string runId, int deliveryCount);
}
