using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FunctionsOpt.Orchestration.Telemetry;

/// <summary>
/// The traces and metrics FunctionsOpt emits, under the one name <see cref="SourceName"/>: spans <c>run</c>,
/// <c>rung</c> and <c>trial</c> (tagged with <see cref="RunIdTag"/> and the rest), the histogram
/// <c>functionsopt.trial.duration</c> (seconds, by status) and <c>functionsopt.queue.lag</c> (seconds from enqueue to
/// intake, by transport). Run and rung spans are written by the orchestrator once, outside replay, with the
/// orchestration's own start and end times; trial spans cover the trial activity as it runs. Thread-safe.
/// </summary>
public static class FunctionsOptTelemetry
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string SourceName = "FunctionsOpt";

    /// <summary>Tag: the run id.</summary>
    public const string RunIdTag = "functionsopt.run_id";

    /// <summary>Tag: the trial id.</summary>
    public const string TrialIdTag = "functionsopt.trial_id";

    /// <summary>Tag: the rung within its bracket.</summary>
    public const string RungTag = "functionsopt.rung";

    /// <summary>Tag: how a run or trial ended.</summary>
    public const string StatusTag = "functionsopt.status";

    /// <summary>Tag: the transport a request arrived on.</summary>
    public const string TransportTag = "functionsopt.transport";

    /// <summary>The span source.</summary>
    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>The meter.</summary>
    public static Meter Meter { get; } = new(SourceName);

    /// <summary>Wall time of one trial activity (build, score, time), in seconds.</summary>
    public static Histogram<double> TrialDuration { get; } =
        Meter.CreateHistogram<double>("functionsopt.trial.duration", "s", "Wall time of one trial (build, score, time)");

    /// <summary>Time from a request's enqueue to its handling by the intake, in seconds.</summary>
    public static Histogram<double> QueueLag { get; } =
        Meter.CreateHistogram<double>("functionsopt.queue.lag", "s", "Time from enqueue to intake handling");

    /// <summary>Starts a trial span (null when nothing listens); the caller disposes it.</summary>
    public static Activity? StartTrial(string runId, string trialId, int rung)
    {
        var span = Source.StartActivity("trial", ActivityKind.Internal);
        span?.SetTag(RunIdTag, runId);
        span?.SetTag(TrialIdTag, trialId);
        span?.SetTag(RungTag, rung);
        return span;
    }

    /// <summary>
    /// Writes a finished span named <paramref name="name"/> from <paramref name="start"/> to <paramref name="end"/>
    /// (for work whose times are known afterwards, such as a durable run or rung).
    /// </summary>
    public static void RecordSpan(string name, string runId, DateTimeOffset start, DateTimeOffset end, params (string Key, object? Value)[] tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        using var span = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, startTime: start);
        if (span is null)
        {
            return;
        }

        span.SetTag(RunIdTag, runId);
        foreach (var (key, value) in tags)
        {
            span.SetTag(key, value);
        }

        span.SetEndTime(end.UtcDateTime);
    }
}
