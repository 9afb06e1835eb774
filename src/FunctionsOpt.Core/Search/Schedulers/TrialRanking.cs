namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// The order promotions follow: succeeded trials not clearly violating a constraint (by the optimistic end of their
/// intervals, so that a trial whose latency is uncertain is promoted rather than decided on noise; then by score), then clearly
/// violating ones (by distance to the bar, then score: they fill slots only when too few others remain, so that a
/// best-effort answer still gets full-budget evaluations); failed, invalid and pending trials are never candidates.
/// Ties break on trial id, so the order is total and deterministic.
/// </summary>
internal static class TrialRanking
{
    public static IEnumerable<TrialRecord> Candidates(IEnumerable<TrialRecord> trials) =>
        trials.Where(t => t.State == TrialState.Succeeded && t.Assessment is not null)
            .OrderBy(t => t.Assessment!.Promotable ? 0 : 1)
            .ThenBy(t => t.Assessment!.Promotable ? 0 : t.Assessment!.Shortfall)
            .ThenBy(t => t.Assessment!.OptimisticScore)
            .ThenBy(t => t.Assessment!.Score)
            .ThenBy(t => t.Trial.Id);
}
