using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FunctionsOpt.Core.Search.Objectives;

/// <summary>Direction of a metric.</summary>
public enum MetricGoal
{
    /// <summary>Smaller is better.</summary>
    Minimize,
    /// <summary>Larger is better.</summary>
    Maximize,
}

/// <summary>One term of the objective: score contribution = Weight · (±value) / Scale (minus for maximized metrics).</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Goal">Its direction.</param>
/// <param name="Weight">Weight in a scalarization (default 1).</param>
/// <param name="Scale">Divides the value so that terms in different units are comparable (e.g. the baseline's value); default 1.</param>
public sealed record ObjectiveTerm(string Metric, MetricGoal Goal, double Weight = 1, double Scale = 1);

/// <summary>
/// What the search optimizes and under which constraints. The score of a result is
/// Σ Weight · (±value) / Scale over the terms; lower is better, always. Immutable and thread-safe.
/// </summary>
public sealed class SearchObjective
{
    /// <summary>Creates the objective.</summary>
    /// <param name="terms">At least one term; the first is the primary metric (the Pareto front's first axis).</param>
    /// <param name="constraints">Constraints every accepted configuration must meet.</param>
    /// <param name="targetScore">Stop when a full-budget result meeting every constraint scores at or below this (score units).</param>
    /// <param name="confidenceZ">Normal quantile for uncertainty intervals (default 1.96: 95 %).</param>
    public SearchObjective(IReadOnlyList<ObjectiveTerm> terms, IReadOnlyList<SearchConstraint>? constraints = null, double? targetScore = null, double confidenceZ = 1.96)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentOutOfRangeException.ThrowIfZero(terms.Count, nameof(terms));
        ArgumentOutOfRangeException.ThrowIfNegative(confidenceZ);
        if (terms.Any(t => t.Scale == 0 || !double.IsFinite(t.Scale) || !double.IsFinite(t.Weight)))
        {
            throw new ArgumentException("Objective weights must be finite and scales finite and non-zero.", nameof(terms));
        }

        Terms = terms;
        Constraints = constraints ?? [];
        TargetScore = targetScore;
        ConfidenceZ = confidenceZ;
        var description = string.Join("\n", Terms.Select(t => $"{t.Metric}|{t.Goal}|{F(t.Weight)}|{F(t.Scale)}"))
            + "\n--\n" + string.Join("\n", Constraints.Select(c => c.GetType().Name + "|" + c.Describe()))
            + "\n--\n" + (TargetScore is { } ts ? F(ts) : "-") + "|" + F(ConfidenceZ);
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(description)));
    }

    /// <summary>The terms; <c>Terms[0]</c> is the primary metric.</summary>
    public IReadOnlyList<ObjectiveTerm> Terms { get; }

    /// <summary>The constraints.</summary>
    public IReadOnlyList<SearchConstraint> Constraints { get; }

    /// <summary>Target score, if any.</summary>
    public double? TargetScore { get; }

    /// <summary>Normal quantile of the uncertainty intervals.</summary>
    public double ConfidenceZ { get; }

    /// <summary>Lower-case hex SHA-256 of the objective's description; a saved scheduler checks it on restore.</summary>
    public string Fingerprint { get; }

    /// <summary>Minimize one metric; <paramref name="target"/> is in the metric's units.</summary>
    public static SearchObjective Minimize(string metric, IReadOnlyList<SearchConstraint>? constraints = null, double? target = null) =>
        new([new ObjectiveTerm(metric, MetricGoal.Minimize)], constraints, target);

    /// <summary>Maximize one metric; <paramref name="target"/> is in the metric's units (score target = −target).</summary>
    public static SearchObjective Maximize(string metric, IReadOnlyList<SearchConstraint>? constraints = null, double? target = null) =>
        new([new ObjectiveTerm(metric, MetricGoal.Maximize)], constraints, -target);

    /// <summary>The score of <paramref name="metrics"/> (lower is better).</summary>
    /// <exception cref="KeyNotFoundException">A term's metric is missing.</exception>
    public double Score(IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var score = 0.0;
        foreach (var t in Terms)
        {
            var value = metrics.TryGetValue(t.Metric, out var v) ? v : throw new KeyNotFoundException($"Metric '{t.Metric}' is missing from the result.");
            score += t.Weight * (t.Goal == MetricGoal.Minimize ? value : -value) / t.Scale;
        }

        return score;
    }

    /// <summary>
    /// The score at the favourable end of each term's interval (a metric's <c>.low</c> bound when minimized, its
    /// <c>.high</c> bound when maximized; the point value when a term has no interval). Ranking by it promotes a
    /// trial whose interval still reaches the front, instead of deciding on a noisy point estimate.
    /// </summary>
    public double OptimisticScore(IReadOnlyDictionary<string, double> metrics) => BoundScore(metrics, optimistic: true);

    /// <summary>The score at the unfavourable end of each term's interval (the mirror of <see cref="OptimisticScore"/>).</summary>
    public double PessimisticScore(IReadOnlyDictionary<string, double> metrics) => BoundScore(metrics, optimistic: false);

    private double BoundScore(IReadOnlyDictionary<string, double> metrics, bool optimistic)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var score = 0.0;
        foreach (var t in Terms)
        {
            var bound = t.Metric + ((t.Goal == MetricGoal.Minimize) == optimistic ? ".low" : ".high");
            var value = metrics.TryGetValue(bound, out var b) && double.IsFinite(b) ? b : metrics[t.Metric];
            score += t.Weight * (t.Goal == MetricGoal.Minimize ? value : -value) / t.Scale;
        }

        return score;
    }

    /// <summary>
    /// Scores and judges a succeeded result. Null (with <paramref name="problem"/>) when a metric the objective or a
    /// constraint needs is missing or not finite: the trial is then invalid.
    /// </summary>
    public TrialAssessment? Assess(TrialResult result, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(result);
        var missing = Terms.Select(t => t.Metric).Concat(Constraints.Select(c => c.Metric))
            .Where(m => !result.Metrics.TryGetValue(m, out var v) || !double.IsFinite(v)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            problem = $"Missing or non-finite metric(s): {string.Join(", ", missing)}.";
            return null;
        }

        problem = null;
        var judgments = Constraints.Select(c => c.Judge(result.Metrics[c.Metric], result.SampleCount, ConfidenceZ)).ToArray();
        var verdict = judgments.Any(j => j.Verdict == ConstraintVerdict.Violates) ? ConstraintVerdict.Violates
            : judgments.Any(j => j.Verdict == ConstraintVerdict.Uncertain) ? ConstraintVerdict.Uncertain
            : ConstraintVerdict.Meets;
        return new TrialAssessment(Score(result.Metrics), verdict, judgments.All(j => j.PointMeets), judgments.Sum(j => j.RelativeShortfall), judgments)
        {
            OptimisticScore = OptimisticScore(result.Metrics),
            PessimisticScore = PessimisticScore(result.Metrics),
        };
    }

    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// A scored and judged result.
/// </summary>
/// <param name="Score">Objective score (lower is better).</param>
/// <param name="Verdict">Combined verdict: Violates if any constraint clearly fails, Uncertain if any is within noise, else Meets.</param>
/// <param name="PointMeetsAll">Whether every point estimate meets its bar (how full-budget results are accepted; see <see cref="Verdict"/> for whether that is within noise).</param>
/// <param name="Shortfall">Distance to the bar: the sum of relative shortfalls of the point estimates (0 when all meet).</param>
/// <param name="Judgments">One judgment per constraint, in constraint order.</param>
public sealed record TrialAssessment(double Score, ConstraintVerdict Verdict, bool PointMeetsAll, double Shortfall, IReadOnlyList<ConstraintJudgment> Judgments)
{
    /// <summary>Whether a lower rung may promote the trial: anything not clearly violating a constraint (an uncertain one lets the next rung decide).</summary>
    public bool Promotable => Verdict != ConstraintVerdict.Violates;

    /// <summary>The score at the favourable end of the metrics' intervals (see <see cref="SearchObjective.OptimisticScore"/>); equals <see cref="Score"/> without intervals.</summary>
    public double OptimisticScore { get; init; } = Score;

    /// <summary>The score at the unfavourable end of the metrics' intervals; equals <see cref="Score"/> without intervals.</summary>
    public double PessimisticScore { get; init; } = Score;
}
