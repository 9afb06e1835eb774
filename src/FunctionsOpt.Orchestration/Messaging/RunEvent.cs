using System.Globalization;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>The kinds of run event (the CloudEvents <c>type</c> is <c>FunctionsOpt.</c> and the name).</summary>
public enum RunEventKind
{
    /// <summary>The orchestration began (published before validation, so a failed validation follows it with RunFailed).</summary>
    RunStarted,

    /// <summary>A rung of the search was fanned out (throttled, see <see cref="ServiceBusOptions.ProgressInterval"/>).</summary>
    RunProgress,

    /// <summary>The run ended Completed or Cancelled (the status says which); results are in its folder.</summary>
    RunCompleted,

    /// <summary>The run ended Failed; the error says why.</summary>
    RunFailed,
}

/// <summary>
/// One run event, as the orchestrator builds it (deterministically: <see cref="Time"/> is the orchestration's clock)
/// and <see cref="PublishRunEventActivity"/> publishes it. Small: ids and numbers only.
/// </summary>
public sealed record RunEvent
{
    /// <summary>The kind.</summary>
    public required RunEventKind Kind { get; init; }

    /// <summary>The run (the CloudEvents subject).</summary>
    public required string RunId { get; init; }

    /// <summary>When it happened, on the orchestration's clock.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The run's status at the event (the terminal status for RunCompleted and RunFailed).</summary>
    public RunStatus Status { get; init; }

    /// <summary>RunProgress only: the n-th rung the run fanned out, counted from 1 across brackets (part of the event id).</summary>
    public int Step { get; init; }

    /// <summary>RunProgress only: the rung within its bracket.</summary>
    public int? Rung { get; init; }

    /// <summary>Trials with results so far.</summary>
    public int TrialsDone { get; init; }

    /// <summary>Trials suggested so far.</summary>
    public int TrialsTotal { get; init; }

    /// <summary>The best trial so far (RunProgress) or the chosen one (RunCompleted), if any.</summary>
    public string? BestTrialId { get; init; }

    /// <summary>The primary objective's value of the best trial so far (RunProgress).</summary>
    public double? BestObjective { get; init; }

    /// <summary>Whether the best trial meets every constraint (false when the result is best effort).</summary>
    public bool? MeetsConstraints { get; init; }

    /// <summary>Headline metrics of the chosen trial (RunCompleted), by metric name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Why the run failed (RunFailed).</summary>
    public RunError? Error { get; init; }

    /// <summary>On completion, the final verdict's headline (for example "no measurable speed-up: keep the original").</summary>
    public string? Verdict { get; init; }

    /// <summary>
    /// The deterministic event id: <c>{runId}/started</c>, <c>{runId}/progress/{step}</c>, <c>{runId}/completed</c>,
    /// <c>{runId}/failed</c>. A retried publish carries the same id, so the topic's duplicate detection drops it.
    /// </summary>
    public string EventId => Kind switch
    {
        RunEventKind.RunStarted => RunId + "/started",
        RunEventKind.RunProgress => RunId + "/progress/" + Step.ToString(CultureInfo.InvariantCulture),
        RunEventKind.RunCompleted => RunId + "/completed",
        _ => RunId + "/failed",
    };

    /// <summary>The CloudEvents <c>type</c>: <c>FunctionsOpt.RunStarted</c> and so on.</summary>
    public string EventType => RunEventTypes.Of(Kind);

    /// <summary>Whether the event ends the run's stream.</summary>
    public bool IsTerminal => Kind is RunEventKind.RunCompleted or RunEventKind.RunFailed;
}

/// <summary>The CloudEvents <c>type</c> values of run events.</summary>
public static class RunEventTypes
{
    /// <summary>Prefix of every type.</summary>
    public const string Prefix = "FunctionsOpt.";

    /// <summary><c>FunctionsOpt.RunStarted</c>.</summary>
    public const string RunStarted = Prefix + nameof(RunEventKind.RunStarted);

    /// <summary><c>FunctionsOpt.RunProgress</c>.</summary>
    public const string RunProgress = Prefix + nameof(RunEventKind.RunProgress);

    /// <summary><c>FunctionsOpt.RunCompleted</c>.</summary>
    public const string RunCompleted = Prefix + nameof(RunEventKind.RunCompleted);

    /// <summary><c>FunctionsOpt.RunFailed</c>.</summary>
    public const string RunFailed = Prefix + nameof(RunEventKind.RunFailed);

    /// <summary>The type of <paramref name="kind"/>.</summary>
    public static string Of(RunEventKind kind) => kind switch
    {
        RunEventKind.RunStarted => RunStarted,
        RunEventKind.RunProgress => RunProgress,
        RunEventKind.RunCompleted => RunCompleted,
        RunEventKind.RunFailed => RunFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown run event kind."),
    };
}
