using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>The answer to a start: the run id (deterministic from the spec) and where to follow it.</summary>
/// <param name="RunId">The run id, also the orchestration instance id.</param>
/// <param name="Status">The run's status now (<see cref="RunStatus.Pending"/> for a run this request started).</param>
/// <param name="Started">False when a run of the same spec already existed: a duplicate submission starts nothing.</param>
/// <param name="Links">Status, cancel and report links.</param>
public sealed record RunAccepted(string RunId, RunStatus Status, bool Started, RunLinks Links);

/// <summary>The answer to a cancel request: the run will stop after the trials in flight, keeping partial results.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">The run's status when the request was accepted.</param>
/// <param name="Links">Where to poll until the status is <see cref="RunStatus.Cancelled"/>.</param>
public sealed record CancelAccepted(string RunId, RunStatus Status, RunLinks Links);

/// <summary>One run's status: the orchestration's live progress plus the state record's summary.</summary>
public sealed record RunView
{
    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Where the run is; terminal once <see cref="RunStatus.Completed"/>, <see cref="RunStatus.Failed"/> or <see cref="RunStatus.Cancelled"/>.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>The durable engine's status of the orchestration (<c>Running</c>, <c>Completed</c>...), null when it has none any more.</summary>
    public string? RuntimeStatus { get; init; }

    /// <summary>Live progress (phase, rung, trials done/total, best so far), once the orchestration has reported it.</summary>
    public RunProgress? Progress { get; init; }

    /// <summary>When the run was accepted.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When the orchestration last changed.</summary>
    public DateTimeOffset? LastUpdatedAt { get; init; }

    /// <summary>When the run ended, from the state record.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The baseline's metrics, once profiled.</summary>
    public IReadOnlyDictionary<string, double>? Baseline { get; init; }

    /// <summary>Trial results recorded so far (search and final).</summary>
    public int TrialsRecorded { get; init; }

    /// <summary>The chosen trial's record, once the run has ended with one.</summary>
    public TrialResult? Best { get; init; }

    /// <summary>Errors recorded for the run, each with its stable code.</summary>
    public IReadOnlyList<RunError> Errors { get; init; } = [];

    /// <summary>Artifacts the run has written, name to artifact path (<c>runs/{runId}/report.json</c>...).</summary>
    public IReadOnlyDictionary<string, string> Artifacts { get; init; } = new Dictionary<string, string>();

    /// <summary>Status, cancel and report links.</summary>
    public required RunLinks Links { get; init; }
}

/// <summary>One run in a listing (from the orchestration alone, so a page costs one query).</summary>
/// <param name="RunId">The run id.</param>
/// <param name="Status">Where the run is.</param>
/// <param name="RuntimeStatus">The durable engine's status of the orchestration.</param>
/// <param name="Progress">Live progress, when reported.</param>
/// <param name="CreatedAt">When the orchestration was created.</param>
/// <param name="LastUpdatedAt">When it last changed.</param>
/// <param name="Links">Status, cancel and report links.</param>
public sealed record RunListItem(string RunId, RunStatus Status, string RuntimeStatus, RunProgress? Progress, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, RunLinks Links);

/// <summary>
/// One page of runs. A page may hold fewer items than asked for (even none) while more follow: keep asking with
/// <see cref="ContinuationToken"/> until it is null.
/// </summary>
/// <param name="Items">The runs of this page.</param>
/// <param name="ContinuationToken">Pass back as <c>continuationToken</c> for the next page; null on the last page.</param>
public sealed record RunListPage(IReadOnlyList<RunListItem> Items, string? ContinuationToken);

/// <summary>The outcome of submitting a spec from any entry point (HTTP, blob drop, queue).</summary>
public sealed record SubmissionOutcome
{
    /// <summary>The run id, when the spec was accepted.</summary>
    public string? RunId { get; init; }

    /// <summary>True when this submission started the run; false for a duplicate or a rejected spec.</summary>
    public bool Started { get; init; }

    /// <summary>Why the spec was rejected (every problem at once); null when it was accepted.</summary>
    public ApiProblem? Problem { get; init; }

    /// <summary>True when the spec was accepted (the run was started now or earlier).</summary>
    public bool Accepted => Problem is null;
}

/// <summary>
/// The typed error record written next to a dropped spec that was rejected (<c>models/{name}.opt.error.json</c>),
/// so a blob-drop user finds out why nothing started without reading logs.
/// </summary>
public sealed record SpecRejection
{
    /// <summary>Version of this record's format.</summary>
    public string SchemaVersion { get; init; } = "1.0";

    /// <summary>The rejected spec, as an artifact path (<c>models/{name}.opt.json</c>).</summary>
    public required string Spec { get; init; }

    /// <summary>Stable error code (<c>invalid-spec</c>, <c>artifact-not-found</c>...).</summary>
    public required string Code { get; init; }

    /// <summary>What went wrong, and the fix.</summary>
    public required string Detail { get; init; }

    /// <summary>Every individual problem.</summary>
    public IReadOnlyList<ApiProblemItem> Errors { get; init; } = [];

    /// <summary>When the spec was rejected.</summary>
    public required DateTimeOffset At { get; init; }
}
