using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;

namespace FunctionsOpt.Core.Search;

/// <summary>One axis of a Pareto front.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Goal">Its direction.</param>
public sealed record ParetoAxis(string Metric, MetricGoal Goal)
{
    /// <summary>
    /// (primary objective metric, the first quality constraint's metric maximized, model size minimized), leaving out
    /// axes the objective does not define and duplicates.
    /// </summary>
    public static IReadOnlyList<ParetoAxis> DefaultFor(SearchObjective objective)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var axes = new List<ParetoAxis> { new(objective.Terms[0].Metric, objective.Terms[0].Goal) };
        if (objective.Constraints.OfType<QualityDropConstraint>().FirstOrDefault() is { } quality)
        {
            axes.Add(new ParetoAxis(quality.Metric, MetricGoal.Maximize));
        }

        axes.Add(new ParetoAxis(MetricNames.SizeBytes, MetricGoal.Minimize));
        return axes.DistinctBy(a => a.Metric, StringComparer.Ordinal).ToArray();
    }
}

/// <summary>A non-dominated trial and its values on the axes (in axis order).</summary>
/// <param name="Trial">The trial.</param>
/// <param name="Values">Its metric values per axis.</param>
public sealed record ParetoPoint(TrialRecord Trial, IReadOnlyList<double> Values);

/// <summary>
/// What a search found. <see cref="Best"/> is the best-scoring full-budget trial whose point estimates meet every
/// constraint; <see cref="WithinNoise"/> says when one of them met its bar only within the uncertainty of the sample.
/// When none meets the bar, <see cref="Best"/> is the full-budget trial closest to it (smallest
/// <see cref="TrialAssessment.Shortfall"/>, then score), <see cref="IsBestEffort"/> is true and
/// <see cref="DistanceToBar"/> says how far it is. When no full-budget trial succeeded, the best effort comes from the
/// highest resource that has results and <see cref="FullBudget"/> is false.
/// </summary>
public sealed record SearchOutcome
{
    /// <summary>The chosen trial, or null when no trial succeeded.</summary>
    public TrialRecord? Best { get; init; }

    /// <summary>True when <see cref="Best"/> does not meet every constraint.</summary>
    public bool IsBestEffort { get; init; }

    /// <summary>Sum of the relative shortfalls of <see cref="Best"/> (0 when it meets every bar).</summary>
    public double DistanceToBar { get; init; }

    /// <summary>True when <see cref="Best"/> meets every bar by point estimate but some bar lies within its uncertainty interval.</summary>
    public bool WithinNoise { get; init; }

    /// <summary>Whether <see cref="Best"/> was evaluated at the full resource.</summary>
    public bool FullBudget { get; init; }

    /// <summary>The Pareto front over the full-budget succeeded trials (one per configuration), in score order.</summary>
    public required IReadOnlyList<ParetoPoint> ParetoFront { get; init; }

    /// <summary>The axes of <see cref="ParetoFront"/>.</summary>
    public required IReadOnlyList<ParetoAxis> Axes { get; init; }

    /// <summary>Why the search stopped.</summary>
    public StopReason? StopReason { get; init; }

    /// <summary>Summarizes a scheduler's trials.</summary>
    public static SearchOutcome From(ISearchScheduler scheduler, IReadOnlyList<ParetoAxis> axes)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return From(scheduler.Trials, scheduler.MaxResource, axes) with { StopReason = scheduler.StopReason };
    }

    /// <summary>Summarizes trials of a search whose maximum resource is <paramref name="maxResource"/>.</summary>
    public static SearchOutcome From(IReadOnlyList<TrialRecord> trials, long maxResource, IReadOnlyList<ParetoAxis> axes)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(axes);
        var succeeded = trials.Where(t => t.State == TrialState.Succeeded && t.Assessment is not null).ToList();
        var full = succeeded.Where(t => t.Trial.Resource >= maxResource).ToList();
        var pool = full.Count > 0 ? full
            : succeeded.Count > 0 ? succeeded.Where(t => t.Trial.Resource == succeeded.Max(s => s.Trial.Resource)).ToList()
            : [];
        var meeting = pool.Where(t => t.Assessment!.PointMeetsAll).OrderBy(t => t.Assessment!.Score).ThenBy(t => t.Trial.Id).FirstOrDefault();
        var best = full.Count > 0 && meeting is not null
            ? meeting
            : pool.OrderBy(t => t.Assessment!.Shortfall).ThenBy(t => t.Assessment!.Score).ThenBy(t => t.Trial.Id).FirstOrDefault();
        var isBestEffort = best is not null && (full.Count == 0 || !best.Assessment!.PointMeetsAll);
        var front = ComputeParetoFront(full, axes);
        return new SearchOutcome
        {
            Best = best,
            IsBestEffort = isBestEffort,
            DistanceToBar = best?.Assessment!.Shortfall ?? 0,
            WithinNoise = best is not null && best.Assessment!.PointMeetsAll && best.Assessment.Verdict == ConstraintVerdict.Uncertain,
            FullBudget = full.Count > 0,
            ParetoFront = front,
            Axes = axes,
        };
    }

    /// <summary>
    /// The non-dominated trials on <paramref name="axes"/>: a trial is dominated when another is at least as good on
    /// every axis and better on one. Trials lacking an axis metric are left out; one trial per configuration (lowest id).
    /// </summary>
    public static IReadOnlyList<ParetoPoint> ComputeParetoFront(IEnumerable<TrialRecord> trials, IReadOnlyList<ParetoAxis> axes)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(axes);
        var points = trials
            .Where(t => t.Result is not null && axes.All(a => t.Result.Metrics.ContainsKey(a.Metric)))
            .OrderBy(t => t.Trial.Id)
            .DistinctBy(t => t.Trial.Configuration.Hash, StringComparer.Ordinal)
            .Select(t => new ParetoPoint(t, axes.Select(a => t.Result!.Metrics[a.Metric]).ToArray()))
            .ToList();
        var costs = points.Select(p => axes.Select((a, i) => a.Goal == MetricGoal.Minimize ? p.Values[i] : -p.Values[i]).ToArray()).ToList();
        var front = new List<ParetoPoint>();
        for (var i = 0; i < points.Count; i++)
        {
            var dominated = false;
            for (var j = 0; j < points.Count && !dominated; j++)
            {
                dominated = j != i && Dominates(costs[j], costs[i]);
            }

            if (!dominated)
            {
                front.Add(points[i]);
            }
        }

        return front.OrderBy(p => p.Trial.Assessment?.Score ?? double.PositiveInfinity).ThenBy(p => p.Trial.Trial.Id).ToArray();
    }

    private static bool Dominates(double[] a, double[] b)
    {
        var strictly = false;
        for (var k = 0; k < a.Length; k++)
        {
            if (a[k] > b[k])
            {
                return false;
            }

            strictly |= a[k] < b[k];
        }

        return strictly;
    }
}
