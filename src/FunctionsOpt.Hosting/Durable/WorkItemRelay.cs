using System.Globalization;
using Grpc.Core;
using Microsoft.DurableTask.Protobuf;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>
/// Carries the sidecar's work items to whichever work-item stream the worker has open, and keeps each one until the
/// worker completes it. The stock sidecar writes a work item to the stream once and then waits for its completion with
/// no tie to that stream: an item written while the worker was dropping the stream (the write succeeds, nobody reads
/// it) or written after the stream ended was never completed, and the work stalled. Here an item is outstanding from
/// its first send until its completion, each delivery is stamped with a completion token, and every item not yet
/// delivered on the current stream is (re)delivered when a stream attaches. Delivery is therefore at least once; a
/// completion whose token is not the outstanding one (a duplicate, or an earlier episode of the same instance) is
/// recognised as stale. It also sends the health pings the worker's silent-disconnect detection expects. Thread-safe.
/// </summary>
#pragma warning disable CA1001 // The write lock is never disposed: dispatchers may still send while the sidecar shuts down, and a SemaphoreSlim whose wait handle is never used holds nothing to release.
internal sealed partial class WorkItemRelay
#pragma warning restore CA1001
{
    private static readonly TimeSpan AbandonedRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<string, Pending> _outstanding = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger;
    private Connection? _current;
    private long _generations;
    private long _tokens;

    public WorkItemRelay(TimeSpan healthPingInterval, ILogger logger)
    {
        HealthPingInterval = healthPingInterval;
        _logger = logger;
    }

    /// <summary>How often an attached stream gets a health ping.</summary>
    public TimeSpan HealthPingInterval { get; }

    /// <summary>Work items sent and not yet completed.</summary>
    public int OutstandingCount
    {
        get
        {
            lock (_gate)
            {
                return _outstanding.Count;
            }
        }
    }

    /// <summary>The key of an activity work item: its orchestration instance and task id (what the sidecar keys it by).</summary>
    public static string ActivityKey(string instanceId, int taskId) => string.Create(CultureInfo.InvariantCulture, $"a:{instanceId}_{taskId}");

    /// <summary>The key of an orchestrator work item: its instance (one episode per instance at a time).</summary>
    public static string OrchestratorKey(string instanceId) => "o:" + instanceId;

    /// <summary>
    /// Sends <paramref name="item"/> to the current stream, or keeps it for the next one when none is attached or the
    /// current one ends. Never throws because a stream ended: the item stays outstanding until completed.
    /// </summary>
    public async Task SendAsync(WorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var key = KeyOf(item);
        if (key is null)
        {
            // Nothing FunctionsOpt sends (entity work items): delivered once, as the stock sidecar does.
            await WriteUntrackedAsync(item).ConfigureAwait(false);
            return;
        }

        item.CompletionToken = Interlocked.Increment(ref _tokens).ToString(CultureInfo.InvariantCulture);
        var pending = new Pending(key, item);
        lock (_gate)
        {
            // A newer send under the same key supersedes the older one; the older one's completion is then stale.
            _outstanding[key] = pending;
        }

        await DeliverAsync([pending]).ConfigureAwait(false);
    }

    /// <summary>Makes <paramref name="stream"/> the current stream and delivers every outstanding item to it.</summary>
    public async Task<long> AttachAsync(IServerStreamWriter<WorkItem> stream, CancellationToken ended)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long generation;
        List<Pending> redeliver;
        lock (_gate)
        {
            generation = ++_generations;
            _current = new Connection(generation, stream, ended);
            redeliver = [.. _outstanding.Values];
        }

        if (redeliver.Count > 0)
        {
            Redelivering(_logger, redeliver.Count, generation);
        }

        await DeliverAsync(redeliver).ConfigureAwait(false);
        return generation;
    }

    /// <summary>Forgets stream <paramref name="generation"/>, which ended; items delivered on it stay outstanding.</summary>
    public void Detach(long generation)
    {
        lock (_gate)
        {
            if (_current?.Generation == generation)
            {
                _current = null;
            }
        }
    }

    /// <summary>
    /// True when <paramref name="token"/> is the outstanding delivery of <paramref name="key"/> (a worker that sends no
    /// token matches any); then a final completion removes it. False for a stale or unknown completion.
    /// </summary>
    public bool TryComplete(string key, string? token, bool final)
    {
        lock (_gate)
        {
            if (!_outstanding.TryGetValue(key, out var pending)
                || (!string.IsNullOrEmpty(token) && !string.Equals(pending.Item.CompletionToken, token, StringComparison.Ordinal)))
            {
                return false;
            }

            if (final)
            {
                _outstanding.Remove(key);
            }

            return true;
        }
    }

    /// <summary>
    /// The worker gave back the delivery with <paramref name="token"/>: deliver it again after a short pause (the stock
    /// sidecar ignored this and the item was never completed).
    /// </summary>
    public async Task RedeliverAbandonedAsync(string token)
    {
        Pending? pending;
        lock (_gate)
        {
            pending = _outstanding.Values.FirstOrDefault(p => string.Equals(p.Item.CompletionToken, token, StringComparison.Ordinal));
            if (pending is not null)
            {
                pending.DeliveredOn = 0;
            }
        }

        if (pending is not null)
        {
            await Task.Delay(AbandonedRetryDelay).ConfigureAwait(false);
            await DeliverAsync([pending]).ConfigureAwait(false);
        }
    }

    /// <summary>Sends health pings to stream <paramref name="generation"/> until it ends.</summary>
    public async Task PingUntilEndedAsync(long generation, CancellationToken ended)
    {
        using var timer = new PeriodicTimer(HealthPingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ended).ConfigureAwait(false))
            {
                Connection? connection;
                lock (_gate)
                {
                    connection = _current?.Generation == generation ? _current : null;
                }

                if (connection is null)
                {
                    return;
                }

                await WriteAsync(connection, new WorkItem { HealthPing = new HealthPing() }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The stream ended: the next one gets its own pings.
        }
    }

    private static string? KeyOf(WorkItem item) => item.RequestCase switch
    {
        WorkItem.RequestOneofCase.ActivityRequest => ActivityKey(item.ActivityRequest.OrchestrationInstance.InstanceId, item.ActivityRequest.TaskId),
        WorkItem.RequestOneofCase.OrchestratorRequest => OrchestratorKey(item.OrchestratorRequest.InstanceId),
        _ => null,
    };

    private async Task DeliverAsync(IReadOnlyList<Pending> items)
    {
        foreach (var pending in items)
        {
            Connection? connection;
            lock (_gate)
            {
                connection = _current;
                var stillOutstanding = _outstanding.TryGetValue(pending.Key, out var now) && ReferenceEquals(now, pending);
                if (connection is null || !stillOutstanding || pending.DeliveredOn == connection.Generation)
                {
                    // No stream: the next attach delivers it. Completed or superseded: nothing to do.
                    continue;
                }
            }

            if (await WriteAsync(connection, pending.Item).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    pending.DeliveredOn = connection.Generation;
                }
            }
        }
    }

    private async Task WriteUntrackedAsync(WorkItem item)
    {
        Connection? connection;
        lock (_gate)
        {
            connection = _current;
        }

        if (connection is null || !await WriteAsync(connection, item).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "No work-item stream is connected."));
        }
    }

    /// <summary>One write at a time (a gRPC stream allows no concurrent writes); false when the stream has ended.</summary>
    private async Task<bool> WriteAsync(Connection connection, WorkItem item)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (connection.Ended.IsCancellationRequested)
            {
                return false;
            }

            await connection.Stream.WriteAsync(item).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // Any write failure means this stream is gone; the item waits for the next stream.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            WriteFailed(_logger, connection.Generation, ex);
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Redelivering {Count} outstanding work item(s) on work-item stream {Generation}")]
    private static partial void Redelivering(ILogger logger, int count, long generation);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Debug, Message = "Writing to work-item stream {Generation} failed; the item waits for the next stream")]
    private static partial void WriteFailed(ILogger logger, long generation, Exception exception);

    private sealed record Connection(long Generation, IServerStreamWriter<WorkItem> Stream, CancellationToken Ended);

    private sealed class Pending(string key, WorkItem item)
    {
        public string Key { get; } = key;

        public WorkItem Item { get; } = item;

        /// <summary>The stream generation it was last written to; 0 when not delivered since its last abandon.</summary>
        public long DeliveredOn { get; set; }
    }
}
