using FunctionsOpt.Core.Search.Objectives;

namespace FunctionsOpt.Core.Search;

/// <summary>How a trial ended, as reported.</summary>
public enum TrialStatus
{
    /// <summary>The evaluation produced metrics.</summary>
    Succeeded,
    /// <summary>Building or evaluating the candidate failed (a failed trial is a result, not an error of the run).</summary>
    Failed,
    /// <summary>The configuration could not be built (e.g. a pass refused its parameters) or its metrics are unusable.</summary>
    Invalid,
}

/// <summary>
/// What an evaluation reports back to a scheduler: metrics by name (see <see cref="MetricNames"/>) and the sample
/// size behind the quality metrics, so that constraints can be judged with the noise of small samples in mind.
/// Independent of how metrics are computed; <see cref="TrialMetrics"/> builds one from evaluation results.
/// </summary>
public sealed record TrialResult
{
    /// <summary>The trial this result belongs to.</summary>
    public required int TrialId { get; init; }

    /// <summary>How it ended.</summary>
    public TrialStatus Status { get; init; } = TrialStatus.Succeeded;

    /// <summary>Metric values by name (empty for failures).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Evaluation rows behind the quality metrics (0 when unknown: quality constraints are then judged maximally uncertain).</summary>
    public int SampleCount { get; init; }

    /// <summary>Resource actually used, when the evaluator measured it (informational).</summary>
    public double? ResourceUsed { get; init; }

    /// <summary>Why it failed or was invalid.</summary>
    public string? Error { get; init; }

    /// <summary>A failure with its reason.</summary>
    public static TrialResult Failed(int trialId, string error) => new() { TrialId = trialId, Status = TrialStatus.Failed, Error = error };

    /// <summary>An invalid configuration with its reason.</summary>
    public static TrialResult Invalid(int trialId, string error) => new() { TrialId = trialId, Status = TrialStatus.Invalid, Error = error };
}
