using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// Keeps RunProgress events to at most one per rung (<see cref="RunEvent.Step"/>) and, within a run, at least
/// <see cref="ServiceBusOptions.ProgressInterval"/> apart, measured on the events' own times (the orchestration's
/// clock, so replays and retries judge alike). Other kinds always pass; a terminal event forgets the run. The memory is
/// this process's: with several workers each throttles its own share. Thread-safe.
/// </summary>
public sealed class RunProgressThrottle
{
    private readonly ConcurrentDictionary<string, (int Step, DateTimeOffset Time)> _last = new(StringComparer.Ordinal);
    private readonly TimeSpan _interval;

    /// <summary>Throttles with <see cref="ServiceBusOptions.ProgressInterval"/>.</summary>
    public RunProgressThrottle(IOptions<ServiceBusOptions> options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.ProgressInterval)
    {
    }

    /// <summary>Throttles with <paramref name="interval"/> (zero: one event per rung).</summary>
    public RunProgressThrottle(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        _interval = interval;
    }

    /// <summary>
    /// Whether <paramref name="runEvent"/> should be published: always for kinds other than RunProgress; for progress,
    /// when no progress of its run was published yet, or its step is later than the last published one and its time at
    /// least the interval after it.
    /// </summary>
    public bool ShouldPublish(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        if (runEvent.Kind != RunEventKind.RunProgress || !_last.TryGetValue(runEvent.RunId, out var last))
        {
            return true;
        }

        return runEvent.Step > last.Step && runEvent.Time - last.Time >= _interval;
    }

    /// <summary>Records that <paramref name="runEvent"/> was published (a terminal event forgets its run).</summary>
    public void MarkPublished(RunEvent runEvent)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        if (runEvent.IsTerminal)
        {
            _last.TryRemove(runEvent.RunId, out _);
        }
        else if (runEvent.Kind == RunEventKind.RunProgress)
        {
            _last.AddOrUpdate(runEvent.RunId, (runEvent.Step, runEvent.Time), (_, last) => runEvent.Step > last.Step ? (runEvent.Step, runEvent.Time) : last);
        }
    }
}
