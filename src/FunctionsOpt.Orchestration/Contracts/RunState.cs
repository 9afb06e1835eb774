using System.Text.Json.Serialization;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>Where a run is in its life; the last three are terminal.</summary>
public enum RunStatus
{
    /// <summary>Accepted, not started.</summary>
    Pending,

    /// <summary>Checking that the model loads and the data matches it.</summary>
    Validating,

    /// <summary>Measuring the unmodified model.</summary>
    ProfilingBaseline,

    /// <summary>Running trials rung by rung.</summary>
    Searching,

    /// <summary>Re-evaluating the best candidates on the full budget.</summary>
    FinalEvaluation,

    /// <summary>Writing the best model, report and trials table.</summary>
    WritingResults,

    /// <summary>Done; results are in the run's folder.</summary>
    Completed,

    /// <summary>Stopped by an error; see <see cref="RunState.Errors"/>.</summary>
    Failed,

    /// <summary>Stopped by the user; partial results are kept.</summary>
    Cancelled,
}

/// <summary>
/// The run's document, stored as <c>runs/{runId}/state.json</c> and updated by activities with optimistic concurrency.
/// It stays small: metrics are named numbers, never model outputs. Every helper returns a new record and is
/// idempotent where an activity may run twice (a trial recorded twice is kept once).
/// </summary>
public sealed record RunState
{
    /// <summary>Schema version of the record.</summary>
    public string SchemaVersion { get; init; } = "1.0";

    /// <summary>The run id (for a submitted spec, <see cref="SpecHash.RunIdOf(OptimizationSpec)"/>).</summary>
    public required string RunId { get; init; }

    /// <summary>Where the run is.</summary>
    public RunStatus Status { get; init; } = RunStatus.Pending;

    /// <summary>
    /// How many times the record has been written: each successful write stores the version of the record it
    /// replaced plus one, independent of the storage ETag.
    /// </summary>
    public long Version { get; init; }

    /// <summary>The spec being run.</summary>
    public required OptimizationSpec Spec { get; init; }

    /// <summary>The unmodified model's measurements, once profiled.</summary>
    public MetricsSummary? Baseline { get; init; }

    /// <summary>Every trial result, at most one per trial id, in the order first recorded.</summary>
    public IReadOnlyList<TrialResult> Trials { get; init; } = [];

    /// <summary>The rung being run, when searching.</summary>
    public int? CurrentRung { get; init; }

    /// <summary>The best feasible trial so far, if any.</summary>
    public string? BestTrialId { get; init; }

    /// <summary>Trial ids on the Pareto front of objective vs quality.</summary>
    public IReadOnlyList<string> ParetoFront { get; init; } = [];

    /// <summary>Artifacts written so far: a name (for example <c>bestModel</c>) to its path (<c>runs/{runId}/best/model.onnx</c>).</summary>
    public IReadOnlyDictionary<string, string> Artifacts { get; init; } = new Dictionary<string, string>();

    /// <summary>Errors met by the run, each with its stable error code.</summary>
    public IReadOnlyList<RunError> Errors { get; init; } = [];

    /// <summary>When the run was created, started and ended.</summary>
    public required RunTimings Timings { get; init; }

    /// <summary>The input model's identity and signature, once the baseline is profiled.</summary>
    public SourceModelInfo? SourceModel { get; init; }

    /// <summary>Where the measurements ran (machine, ONNX Runtime version, session settings), once the baseline is profiled.</summary>
    public RunEnvironment? Environment { get; init; }

    /// <summary>How the run ended: best-effort flag, constraint checks, stop reason. Written by the last activity.</summary>
    public RunOutcome? Outcome { get; init; }

    /// <summary>The chosen model's throughput curve over batch sizes, measured once when a run completes with a best model.</summary>
    public ServingProfile? Serving { get; init; }

    /// <summary>The final stage's interleaved re-measurement of the finalists against the original and what it recommends; null before that stage.</summary>
    public RunVerdict? Verdict { get; init; }

    /// <summary>Whether trials of this run should no longer run: it has ended, or a user asked it to stop. Not stored.</summary>
    [JsonIgnore]
    public bool IsStopping => IsTerminal || Timings.CancelRequestedAt is not null;

    /// <summary>Whether the run has ended (completed, failed or cancelled). Not stored.</summary>
    [JsonIgnore]
    public bool IsTerminal => Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>A new pending record for <paramref name="spec"/>, version 0 (not yet written).</summary>
    public static RunState Create(string runId, OptimizationSpec spec, DateTimeOffset createdAt) => new()
    {
        RunId = runId,
        Spec = spec,
        Timings = new RunTimings { CreatedAt = createdAt },
    };

    /// <summary>
    /// The record with <paramref name="trial"/> added, or replacing the result with the same trial id, so a
    /// redelivered activity result is never counted twice.
    /// </summary>
    public RunState WithTrial(TrialResult trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var trials = Trials.ToList();
        var index = trials.FindIndex(t => string.Equals(t.TrialId, trial.TrialId, StringComparison.Ordinal));
        if (index >= 0)
        {
            trials[index] = trial;
        }
        else
        {
            trials.Add(trial);
        }

        return this with { Trials = trials };
    }

    /// <summary>The record with artifact <paramref name="name"/> pointing at <paramref name="path"/> (replacing any earlier path).</summary>
    public RunState WithArtifact(string name, string path)
    {
        var artifacts = new SortedDictionary<string, string>(Artifacts.ToDictionary(), StringComparer.Ordinal) { [name] = path };
        return this with { Artifacts = artifacts };
    }
}

/// <summary>Named measurements of one model, plus the provider they were taken on.</summary>
public sealed record MetricsSummary
{
    /// <summary>Metric name (for example <c>accuracy</c>, <c>latencyP50Ms</c>, <c>sizeBytes</c>) to value.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>The provider the measurements ran on.</summary>
    public required ProviderUsage Provider { get; init; }
}

/// <summary>The provider a measurement asked for and the one it got.</summary>
public sealed record ProviderUsage
{
    /// <summary>The provider requested.</summary>
    public required ProviderName Requested { get; init; }

    /// <summary>The provider actually used.</summary>
    public required ProviderName Used { get; init; }

    /// <summary>Why <see cref="Used"/> differs from <see cref="Requested"/>, when it does.</summary>
    public string? FallbackReason { get; init; }
}

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    /// <summary>Built and measured.</summary>
    Ok,

    /// <summary>Could not be built or measured (a pass or runtime error); recorded, not retried.</summary>
    Failed,

    /// <summary>Measured but violates a constraint.</summary>
    Invalid,
}

/// <summary>One trial's outcome at one rung.</summary>
public sealed record TrialResult
{
    /// <summary>Unique within the run; a trial promoted to a later rung gets a new id.</summary>
    public required string TrialId { get; init; }

    /// <summary>The configuration in canonical text form (passes and parameters, stable across runs).</summary>
    public required string Configuration { get; init; }

    /// <summary>Pass names in the order applied.</summary>
    public IReadOnlyList<string> Passes { get; init; } = [];

    /// <summary>The rung (0 = lowest).</summary>
    public int Rung { get; init; }

    /// <summary>The Hyperband bracket (s) the trial belongs to; for a final re-evaluation, the bracket of the trial it re-evaluates.</summary>
    public int Bracket { get; init; }

    /// <summary>The lower-rung trial this one promotes (same configuration, larger resource), if any.</summary>
    public string? PromotedFrom { get; init; }

    /// <summary>The resource the trial ran with (units of <see cref="SearchSpec.MaxResource"/>).</summary>
    public double Resource { get; init; }

    /// <summary>Measured metrics by name; empty when the trial failed before measuring.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The provider requested and actually used.</summary>
    public ProviderUsage? Provider { get; init; }

    /// <summary>How the trial ended.</summary>
    public TrialStatus Status { get; init; } = TrialStatus.Ok;

    /// <summary>Why it failed or is invalid, when it did not end <see cref="TrialStatus.Ok"/>.</summary>
    public TrialError? Error { get; init; }

    /// <summary>The content hash of the candidate model (<c>runs/{runId}/candidates/{hash}.onnx</c>), when built.</summary>
    public string? CandidateHash { get; init; }

    /// <summary>When it ran and how long each part took.</summary>
    public TrialTimings? Timings { get; init; }

    /// <summary>
    /// What each pass did when the candidate was built, canonicalisation included, in order; empty when the candidate
    /// was reused from the cache or not built.
    /// </summary>
    public IReadOnlyList<PassReport> PassRecords { get; init; } = [];
}

/// <summary>What one pass did to a trial's candidate: what it changed, its coverage, what it skipped and why.</summary>
public sealed record PassReport
{
    /// <summary>Pass name (<c>canonicalise</c> for the step every lossy pipeline gets).</summary>
    public required string Pass { get; init; }

    /// <summary>Nodes added, removed or rewritten.</summary>
    public int NodesTouched { get; init; }

    /// <summary>Initializer bytes before the pass.</summary>
    public long InitializerBytesBefore { get; init; }

    /// <summary>Initializer bytes after the pass.</summary>
    public long InitializerBytesAfter { get; init; }

    /// <summary>Per op type "changed/total OpType" (for example <c>20/20 Conv</c>); empty for passes that do not report coverage.</summary>
    public IReadOnlyList<string> Coverage { get; init; } = [];

    /// <summary>Nodes or layers left alone, each with its reason.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>Other facts (calibration rows used, Identity nodes removed...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>A trial's error: a stable code (a FunctionsOptException error code) and a message.</summary>
public sealed record TrialError
{
    /// <summary>Stable code, for example <c>pass-not-applicable</c> or <c>constraint-violated</c>.</summary>
    public required string Code { get; init; }

    /// <summary>What happened.</summary>
    public required string Message { get; init; }
}

/// <summary>A trial's clock readings.</summary>
public sealed record TrialTimings
{
    /// <summary>When the trial's activity started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Seconds spent building the candidate (0 when reused).</summary>
    public double BuildSeconds { get; init; }

    /// <summary>Seconds spent evaluating and profiling it.</summary>
    public double EvaluateSeconds { get; init; }
}

/// <summary>An error the run met, with its stable code.</summary>
public sealed record RunError
{
    /// <summary>Stable code (a FunctionsOptException error code, for example <c>invalid-model</c>).</summary>
    public required string Code { get; init; }

    /// <summary>What happened and the fix.</summary>
    public required string Message { get; init; }

    /// <summary>The phase the error happened in.</summary>
    public RunStatus? Phase { get; init; }

    /// <summary>The trial, when the error belongs to one.</summary>
    public string? TrialId { get; init; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset? At { get; init; }
}

/// <summary>The run's clock readings.</summary>
public sealed record RunTimings
{
    /// <summary>When the record was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When work started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the run reached a terminal status.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>
    /// When a user asked the run to stop. From then on queued trials are skipped without running: the durable engine
    /// still delivers the activities the run had scheduled, and they must neither spend the compute nor change the
    /// record of a run that has ended.
    /// </summary>
    public DateTimeOffset? CancelRequestedAt { get; init; }
}
