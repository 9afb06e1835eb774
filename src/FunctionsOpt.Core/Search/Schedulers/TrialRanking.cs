using FunctionsOpt.Core.Search.Objectives;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// The order promotions follow: succeeded trials not clearly violating a constraint first, then clearly violating
/// ones (by distance to the bar, then score: they fill slots only when too few others remain, so that a best-effort
/// answer still gets full-budget evaluations); failed, invalid and pending trials are never candidates.
/// Among the first group the order is noise-aware: the next trial is taken from those whose interval reaches the
/// leader's (their optimistic score is within the leader's pessimistic one), smallest model first, then by score.
/// Two configurations that time the same within noise are thus ordered by what does not vary between runs (their
/// size) instead of by a coin flip of the clock, which made one seed recommend different models from run to run.
/// Ties break on trial id, so the order is total and deterministic for given results.
/// </summary>
internal static class TrialRanking
{
    public static IEnumerable<TrialRecord> Candidates(IEnumerable<TrialRecord> trials)
    {
        var ordered = trials.Where(t => t.State == TrialState.Succeeded && t.Assessment is not null)
            .OrderBy(t => t.Assessment!.Promotable ? 0 : 1)
            .ThenBy(t => t.Assessment!.Promotable ? 0 : t.Assessment!.Shortfall)
            .ThenBy(t => t.Assessment!.OptimisticScore)
            .ThenBy(t => t.Assessment!.Score)
            .ThenBy(t => t.Trial.Id)
            .ToList();
        return WithinNoise(ordered.Where(t => t.Assessment!.Promotable).ToList()).Concat(ordered.Where(t => !t.Assessment!.Promotable));
    }

    private static IEnumerable<TrialRecord> WithinNoise(List<TrialRecord> remaining)
    {
        while (remaining.Count > 0)
        {
            var reach = remaining[0].Assessment!.PessimisticScore;
            var next = remaining.Where(t => t.Assessment!.OptimisticScore <= reach)
                .OrderBy(Size).ThenBy(t => t.Assessment!.Score).ThenBy(t => t.Trial.Id)
                .First();
            remaining.Remove(next);
            yield return next;
        }
    }

    private static double Size(TrialRecord t) =>
        t.Result?.Metrics.TryGetValue(MetricNames.SizeBytes, out var bytes) == true ? bytes : double.MaxValue;
}
