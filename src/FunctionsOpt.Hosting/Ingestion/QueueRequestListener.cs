using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsOpt.Orchestration.Api;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>
/// Receives optimization requests (one spec JSON per message, plain text or base64 as the Functions queue trigger
/// writes it) from <see cref="IngestionOptions.RequestQueueName"/>: a valid spec is submitted and the message
/// deleted; an invalid one, or one received more than <see cref="IngestionOptions.MaxDequeueCount"/> times, moves to
/// <see cref="IngestionOptions.PoisonQueueName"/> wrapped in a <see cref="PoisonMessage"/> with the reason. Specs go
/// through <see cref="OptimizationApi.SubmitAsync"/>, the intake every entry point shares. A transient failure
/// leaves the message to reappear. A redelivered message starts nothing new (the run id is the spec's hash).
/// </summary>
public sealed class QueueRequestListener : BackgroundService
{
    private static readonly JsonSerializerOptions PoisonJson = new(JsonSerializerDefaults.Web);

    private readonly QueueClient _requests;
    private readonly QueueClient _poison;
    private readonly OptimizationApi _api;
    private readonly IngestionOptions _options;
    private readonly ILogger<QueueRequestListener> _logger;
    private int _created;

    /// <summary>Listens on the queues of the ingestion's storage connection.</summary>
    public QueueRequestListener(OptimizationApi api, IOptions<IngestionOptions> options, ILogger<QueueRequestListener> logger)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _api = api;
        _logger = logger;
        var queues = _options.RequireStorage().CreateQueueServiceClient();
        _requests = queues.GetQueueClient(_options.RequestQueueName);
        _poison = queues.GetQueueClient(_options.PoisonQueueName);
    }

    /// <summary>Receives one batch and handles it; returns how many messages it received.</summary>
    public async Task<int> ReceiveOnceAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await _requests.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _created, 1);
        }

        QueueMessage[] messages = await _requests.ReceiveMessagesAsync(_options.QueueBatchSize, _options.QueueVisibilityTimeout, cancellationToken).ConfigureAwait(false);
        foreach (var message in messages)
        {
            try
            {
                await HandleAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RequestFailedException or Grpc.Core.RpcException or IOException)
            {
                IngestionLog.MessageDeferred(_logger, message.MessageId, message.DequeueCount, ex);
            }
        }

        return messages.Length;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IngestionLog.QueueListenerStarted(_logger, _requests.Uri, _options.QueuePollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            var received = 0;
            try
            {
                received = await ReceiveOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex)
            {
                IngestionLog.QueueReceiveFailed(_logger, ex);
            }

            if (received > 0)
            {
                continue;
            }

            try
            {
                await Task.Delay(_options.QueuePollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The message's text: as sent, or decoded when it is base64 (the Functions queue trigger's default encoding).</summary>
    internal static string TextOf(BinaryData body)
    {
        var text = body.ToString();
        var trimmed = text.AsSpan().Trim();
        if (trimmed.Length == 0 || trimmed[0] is '{' or '[')
        {
            return text;
        }

        var buffer = new byte[trimmed.Length];
        return Convert.TryFromBase64Chars(trimmed, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : text;
    }

    private async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var text = TextOf(message.Body);
        if (message.DequeueCount > _options.MaxDequeueCount)
        {
            await PoisonAsync(message, text, $"received {message.DequeueCount} times, more than MaxDequeueCount {_options.MaxDequeueCount}, without being handled", null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var outcome = await _api.SubmitAsync(text, $"queue:{_options.RequestQueueName}/{message.MessageId}", cancellationToken).ConfigureAwait(false);
        if (outcome.Problem is not { } problem)
        {
            await _requests.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
            IngestionLog.MessageSubmitted(_logger, message.MessageId, outcome.RunId!, outcome.Started);
            return;
        }

        await PoisonAsync(message, text, $"the spec is invalid ({problem.Code}, {problem.Errors?.Count ?? 1} problem(s)): {problem.Detail}", problem, cancellationToken).ConfigureAwait(false);
    }

    private async Task PoisonAsync(QueueMessage message, string text, string reason, ApiProblem? problem, CancellationToken cancellationToken)
    {
        var poison = new PoisonMessage(reason, problem?.Code, problem?.Errors ?? [], message.MessageId, message.DequeueCount, message.InsertedOn, DateTimeOffset.UtcNow, text);
        await _poison.SendMessageAsync(BinaryData.FromObjectAsJson(poison, PoisonJson), cancellationToken: cancellationToken).ConfigureAwait(false);
        await _requests.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        IngestionLog.MessagePoisoned(_logger, message.MessageId, reason);
    }
}

/// <summary>A rejected request as it lands in the poison queue.</summary>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="Code">The problem's stable code (<c>invalid-spec</c>, <c>artifact-not-found</c>), when the spec was rejected.</param>
/// <param name="Problems">The spec's problems, each with its JSON path and fix, when it was rejected.</param>
/// <param name="MessageId">The original message's id.</param>
/// <param name="DequeueCount">How often it had been received.</param>
/// <param name="InsertedOn">When it was first enqueued.</param>
/// <param name="PoisonedAt">When it was rejected.</param>
/// <param name="Message">The original message text (decoded).</param>
public sealed record PoisonMessage(
    string Reason, string? Code, IReadOnlyList<ApiProblemItem> Problems, string MessageId, long DequeueCount, DateTimeOffset? InsertedOn, DateTimeOffset PoisonedAt, string Message);
