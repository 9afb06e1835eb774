using FunctionsOpt.Core.Search.Objectives;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// Ask/tell interface a durable orchestrator drives: <see cref="Suggest"/> → run the trials (in parallel) →
/// <see cref="Report"/> → ... until <see cref="IsFinished"/>. Implementations are pure and deterministic: no clock,
/// no I/O, randomness only from the seed; the same seed and the same reports give the same suggestions, and
/// <see cref="SaveState"/> followed by <see cref="SearchSchedulers.Restore"/> continues identically. Not thread-safe.
/// </summary>
public interface ISearchScheduler
{
    /// <summary>Stable kind name, as written in the state document (<c>grid</c>, <c>random</c>, <c>successive-halving</c>, <c>hyperband</c>, <c>asha</c>).</summary>
    string Kind { get; }

    /// <summary>
    /// The next trials that can run now, in parallel. Synchronous schedulers (successive halving, Hyperband) return a
    /// whole rung at once and then nothing until every trial of that rung is reported; the others return at most
    /// <paramref name="freeWorkers"/>. Empty when waiting for reports or finished. <paramref name="now"/> is the
    /// orchestration's clock (the first call starts the wall-time budget).
    /// </summary>
    IReadOnlyList<Trial> Suggest(int freeWorkers, DateTimeOffset now);

    /// <summary>
    /// Records results, including failures (a failed or invalid trial is recorded and never promoted). A result for a
    /// trial already reported is ignored (activities run at least once); a result for an unknown trial throws.
    /// </summary>
    void Report(IReadOnlyList<TrialResult> results);

    /// <summary>True once the scheduler will suggest nothing more and no suggested trial is awaiting its result.</summary>
    bool IsFinished { get; }

    /// <summary>Why the scheduler stopped suggesting, once it has.</summary>
    StopReason? StopReason { get; }

    /// <summary>Every trial suggested so far, by id, with its outcome.</summary>
    IReadOnlyList<TrialRecord> Trials { get; }

    /// <summary>Sum of the resources of every suggested trial.</summary>
    double ResourceSpent { get; }

    /// <summary>The maximum resource R (a trial at R is a full-budget evaluation).</summary>
    long MaxResource { get; }

    /// <summary>The whole state as a small JSON document; <see cref="SearchSchedulers.Restore"/> rebuilds it exactly.</summary>
    string SaveState();
}

/// <summary>Where a trial stands.</summary>
public enum TrialState
{
    /// <summary>Suggested, no result yet.</summary>
    Pending,
    /// <summary>Reported with metrics that could be scored.</summary>
    Succeeded,
    /// <summary>Reported as failed.</summary>
    Failed,
    /// <summary>Reported invalid, or its metrics could not be scored.</summary>
    Invalid,
}

/// <summary>Why a scheduler stopped suggesting.</summary>
public enum StopReason
{
    /// <summary>Its plan is complete (grid enumerated, brackets run, configurations drawn).</summary>
    Exhausted,
    /// <summary>The trial limit was reached.</summary>
    MaxTrials,
    /// <summary>The next trial would exceed the resource limit.</summary>
    MaxTotalResource,
    /// <summary>The wall-time limit passed.</summary>
    MaxWallTime,
    /// <summary>A full-budget result met every constraint and the target score.</summary>
    TargetMet,
}

/// <summary>A trial with its outcome.</summary>
/// <param name="Trial">The trial.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Result">The reported result, once reported.</param>
/// <param name="Assessment">Score and constraint judgments, for succeeded trials.</param>
/// <param name="Promoted">Whether a higher rung continues it.</param>
/// <param name="Problem">Why it is invalid, when the scheduler rejected its metrics.</param>
public sealed record TrialRecord(Trial Trial, TrialState State, TrialResult? Result, TrialAssessment? Assessment, bool Promoted, string? Problem = null);
