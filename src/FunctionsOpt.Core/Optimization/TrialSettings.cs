using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search;

namespace FunctionsOpt.Core.Optimization;

/// <summary>How every trial of a run evaluates and times its candidate.</summary>
public sealed record TrialSettings
{
    /// <summary>Session settings (a <c>runtime</c> step in a pipeline overrides provider, optimization level and threads).</summary>
    public SessionSettings Session { get; init; } = new();

    /// <summary>How outputs are scored (task, score output, score kind, batch size).</summary>
    public EvaluationRequest Evaluation { get; init; } = new();

    /// <summary>Batch size latency is measured at (a <c>runtime</c> step overrides it). Default 1.</summary>
    public int LatencyBatchSize { get; init; } = 1;

    /// <summary>Untimed runs before timing. Default 3.</summary>
    public int WarmupRuns { get; init; } = 3;

    /// <summary>Time budget of the timed runs of one trial, in seconds (at least the budget's minimum runs still happen). Default 10.</summary>
    public double MaxLatencySeconds { get; init; } = 10;

    /// <summary>Seed of the evaluation and calibration subsamples (nested across budgets for one seed).</summary>
    public long Seed { get; init; }

    /// <summary>Scratch folder for candidate files; null uses the system temporary folder.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>The measurement protocol trials time with (the budget's latency iterations bound its rounds).</summary>
    public Timing.TimingProtocolOptions Timing { get; init; } = FunctionsOpt.Core.Timing.TimingProtocolOptions.TrialDefaults;
}

/// <summary>One trial to run: the pipeline a configuration selects and the budget of its rung.</summary>
/// <param name="TrialId">The scheduler's trial id.</param>
/// <param name="Pipeline">The steps (from <see cref="Search.Space.PassSearchSpace.ToPipeline"/>); empty means the unmodified model.</param>
/// <param name="Budget">What the evaluation may spend.</param>
public sealed record TrialRequest(int TrialId, IReadOnlyList<PassStep> Pipeline, TrialBudget Budget);

/// <summary>What a trial produced: the scheduler's result plus what the run's record and report keep.</summary>
public sealed record TrialOutcome
{
    /// <summary>The result to report to the scheduler (failures and invalid configurations included).</summary>
    public required TrialResult Result { get; init; }

    /// <summary>Stable error code when the trial did not succeed (a <see cref="Errors.FunctionsOptException"/> code or <c>runtime-error</c>).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Content hash of the candidate, once known.</summary>
    public string? CandidateHash { get; init; }

    /// <summary>Local file of the candidate, when it was built or fetched (owned by the caller afterwards).</summary>
    public string? CandidatePath { get; init; }

    /// <summary>Whether the candidate came from the cache instead of being built.</summary>
    public bool Reused { get; init; }

    /// <summary>What each pass did (empty when reused or not built).</summary>
    public IReadOnlyList<Passes.PassRecord> Records { get; init; } = [];

    /// <summary>The provider requested and used for the measurements, when measured.</summary>
    public ProviderRecord? Provider { get; init; }

    /// <summary>Seconds spent building the candidate (0 when reused).</summary>
    public double BuildSeconds { get; init; }

    /// <summary>Seconds spent evaluating and timing it.</summary>
    public double EvaluateSeconds { get; init; }
}
