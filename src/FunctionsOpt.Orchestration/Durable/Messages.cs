using FunctionsOpt.Orchestration.Contracts;
using SearchTrialStatus = FunctionsOpt.Core.Search.TrialStatus;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>The orchestration's input: the run id (the instance id) and the spec.</summary>
/// <param name="RunId">The run id, <see cref="SpecHash.RunIdOf(OptimizationSpec)"/> for a submitted spec.</param>
/// <param name="Spec">The spec.</param>
public sealed record OptimizationInput(string RunId, OptimizationSpec Spec);

/// <summary>The outcome of a step that can fail for a reason the user must fix.</summary>
/// <param name="Ok">True when the step succeeded.</param>
/// <param name="ErrorCode">Stable error code when it did not.</param>
/// <param name="Message">What happened and the fix.</param>
public sealed record StepResult(bool Ok, string? ErrorCode = null, string? Message = null);

/// <summary>One trial to run, as the orchestration passes it: references and numbers, never models or data.</summary>
public sealed record TrialWork
{
    /// <summary>The run's trial id (<c>t{n}</c> in the search, <c>final-{k}</c> in the final evaluation).</summary>
    public required string TrialId { get; init; }

    /// <summary>The scheduler's numeric id (the rank for final evaluations).</summary>
    public required int SchedulerTrialId { get; init; }

    /// <summary>The configuration, name to canonical value text.</summary>
    public required IReadOnlyDictionary<string, string> Configuration { get; init; }

    /// <summary>Rung within its bracket (the top rung for final evaluations).</summary>
    public int Rung { get; init; }

    /// <summary>Bracket.</summary>
    public int Bracket { get; init; }

    /// <summary>The run's id of the lower-rung trial this one promotes (or, for a final, re-evaluates), if any.</summary>
    public string? PromotedFrom { get; init; }

    /// <summary>Resource r.</summary>
    public double Resource { get; init; }

    /// <summary>Fraction of the evaluation set to score.</summary>
    public double SampleFraction { get; init; }

    /// <summary>Timed latency runs.</summary>
    public int LatencyIterations { get; init; }

    /// <summary>Calibration rows.</summary>
    public int CalibrationSamples { get; init; }
}

/// <summary>What a trial activity returns (its full record is in state.json).</summary>
public sealed record TrialSummary
{
    /// <summary>The run's trial id.</summary>
    public required string TrialId { get; init; }

    /// <summary>The scheduler's numeric id.</summary>
    public required int SchedulerTrialId { get; init; }

    /// <summary>How it ended.</summary>
    public SearchTrialStatus Status { get; init; }

    /// <summary>Metrics by name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Rows behind the quality metrics.</summary>
    public int SampleCount { get; init; }

    /// <summary>Stable error code when it did not succeed.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Why it did not succeed.</summary>
    public string? Error { get; init; }

    /// <summary>The candidate's content hash, when built.</summary>
    public string? CandidateHash { get; init; }
}

/// <summary>Input of a trial activity.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Spec">The spec (so any worker process can prepare the run's inputs).</param>
/// <param name="Work">The trial.</param>
public sealed record TrialActivityInput(string RunId, OptimizationSpec Spec, TrialWork Work);

/// <summary>Input of a scheduler step: report the previous rung's results, then ask for the next trials.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Spec">The spec.</param>
/// <param name="SchedulerState">The scheduler's saved state; null creates it.</param>
/// <param name="Results">Results to report first.</param>
/// <param name="Now">The orchestration's clock (wall-time limits).</param>
/// <param name="FreeWorkers">Trials that may start now (asynchronous schedulers).</param>
public sealed record SchedulerStepInput(string RunId, OptimizationSpec Spec, string? SchedulerState, IReadOnlyList<TrialSummary> Results, DateTimeOffset Now, int FreeWorkers);

/// <summary>The best trial so far.</summary>
/// <param name="TrialId">The run's trial id.</param>
/// <param name="Score">Objective score (lower is better).</param>
/// <param name="Objective">The primary objective metric's value.</param>
/// <param name="MeetsConstraints">Whether its point estimates meet every constraint.</param>
public sealed record BestSoFar(string TrialId, double Score, double Objective, bool MeetsConstraints);

/// <summary>Output of a scheduler step.</summary>
public sealed record SchedulerStepOutput
{
    /// <summary>The scheduler's state after the step.</summary>
    public required string SchedulerState { get; init; }

    /// <summary>Trials to run now.</summary>
    public IReadOnlyList<TrialWork> Trials { get; init; } = [];

    /// <summary>True when the search is over.</summary>
    public bool Finished { get; init; }

    /// <summary>Why it stopped, once finished.</summary>
    public string? StopReason { get; init; }

    /// <summary>Trials suggested so far.</summary>
    public int TrialsSuggested { get; init; }

    /// <summary>Trials reported so far.</summary>
    public int TrialsReported { get; init; }

    /// <summary>The best trial so far, if any.</summary>
    public BestSoFar? Best { get; init; }

    /// <summary>When finished: the top configurations to re-evaluate on the full budget.</summary>
    public IReadOnlyList<TrialWork> Finals { get; init; } = [];
}

/// <summary>Input of the last activity, which writes the results and the terminal state.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Spec">The spec.</param>
/// <param name="Status">The terminal status.</param>
/// <param name="Finals">Final full-budget results (empty when cancelled or failed early).</param>
/// <param name="SchedulerState">The scheduler's last state, if the search started.</param>
/// <param name="StopReason">Why the search stopped.</param>
/// <param name="Error">The error that failed the run, if any.</param>
public sealed record FinishInput(string RunId, OptimizationSpec Spec, RunStatus Status, IReadOnlyList<TrialSummary> Finals, string? SchedulerState, string? StopReason, RunError? Error);

/// <summary>A phase change written to state.json.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">The new status.</param>
/// <param name="Rung">The rung being run, when searching.</param>
/// <param name="At">The orchestration's clock.</param>
public sealed record PhaseInput(string RunId, RunStatus Status, int? Rung, DateTimeOffset At);

/// <summary>The orchestration's output.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">The terminal status.</param>
/// <param name="BestTrialId">The chosen trial, if any.</param>
/// <param name="BestEffort">True when the chosen trial does not meet every constraint.</param>
/// <param name="Error">Why it failed, when it did.</param>
public sealed record RunSummary(string RunId, RunStatus Status, string? BestTrialId, bool BestEffort, RunError? Error);

/// <summary>Live progress, as the orchestration's custom status.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Rung">The rung being run (search phase).</param>
/// <param name="TrialsDone">Trials with results.</param>
/// <param name="TrialsTotal">Trials suggested so far (grows rung by rung).</param>
/// <param name="Best">The best trial so far.</param>
public sealed record RunProgress(RunStatus Phase, int? Rung, int TrialsDone, int TrialsTotal, BestSoFar? Best);
