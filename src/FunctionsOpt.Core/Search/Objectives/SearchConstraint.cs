using System.Globalization;

namespace FunctionsOpt.Core.Search.Objectives;

/// <summary>Whether a measurement meets a bar, given its uncertainty.</summary>
public enum ConstraintVerdict
{
    /// <summary>The whole uncertainty interval is on the good side of the bar.</summary>
    Meets,
    /// <summary>The bar lies inside the uncertainty interval: the measurement cannot tell (a larger sample decides).</summary>
    Uncertain,
    /// <summary>The whole uncertainty interval is on the bad side of the bar.</summary>
    Violates,
}

/// <summary>How the uncertainty of a quality metric is estimated from the sample size.</summary>
public enum UncertaintyModel
{
    /// <summary>Exact: the interval is the point.</summary>
    None,
    /// <summary>Wilson score interval of a proportion over the sample (accuracy, top-1 fidelity; an approximation for F1).</summary>
    Binomial,
    /// <summary>Wilson interval over half the sample: an AUC's error is roughly that of a proportion over the smaller class, and halving assumes balanced classes (wider when they are not).</summary>
    HalfSampleBinomial,
}

/// <summary>How a quality drop is measured against the baseline.</summary>
public enum DropKind
{
    /// <summary>Bar = baseline − max drop (e.g. 0.01 = one accuracy point).</summary>
    Absolute,
    /// <summary>Bar = baseline · (1 − max drop) (e.g. 0.01 = 1 % of the baseline's value).</summary>
    Relative,
}

/// <summary>Which side of a limit is allowed.</summary>
public enum LimitKind
{
    /// <summary>Value ≤ limit.</summary>
    AtMost,
    /// <summary>Value ≥ limit.</summary>
    AtLeast,
}

/// <summary>
/// A judged constraint. <see cref="Shortfall"/> is the distance from the point estimate to the bar when the point
/// is on the bad side (0 otherwise), in the metric's units; <see cref="RelativeShortfall"/> divides it by |bar|.
/// </summary>
/// <param name="Constraint">Readable description of the constraint.</param>
/// <param name="Metric">Metric judged.</param>
/// <param name="Value">Point estimate.</param>
/// <param name="Bar">The bar the value must meet.</param>
/// <param name="Lower">Lower end of the uncertainty interval.</param>
/// <param name="Upper">Upper end of the uncertainty interval.</param>
/// <param name="SampleCount">Sample size the interval was computed from.</param>
/// <param name="Verdict">Verdict from the interval.</param>
/// <param name="PointMeets">Whether the point estimate meets the bar.</param>
/// <param name="Shortfall">Distance of the point estimate to the bar (0 when it meets).</param>
/// <param name="RelativeShortfall">Shortfall / |bar|.</param>
public sealed record ConstraintJudgment(
    string Constraint,
    string Metric,
    double Value,
    double Bar,
    double Lower,
    double Upper,
    int SampleCount,
    ConstraintVerdict Verdict,
    bool PointMeets,
    double Shortfall,
    double RelativeShortfall);

/// <summary>A condition every accepted configuration must satisfy.</summary>
public abstract record SearchConstraint
{
    /// <summary>The metric the constraint is on.</summary>
    public abstract string Metric { get; }

    /// <summary>Readable description (also part of the objective's fingerprint).</summary>
    public abstract string Describe();

    /// <summary>Judges <paramref name="value"/> measured on <paramref name="sampleCount"/> rows; <paramref name="z"/> sets the interval width.</summary>
    public abstract ConstraintJudgment Judge(double value, int sampleCount, double z);

    /// <summary>Wilson score interval of a proportion <paramref name="p"/> over <paramref name="n"/> trials; [0, 1] when n ≤ 0.</summary>
    public static (double Lower, double Upper) WilsonInterval(double p, double n, double z)
    {
        if (n <= 0)
        {
            return (0, 1);
        }

        p = Math.Clamp(p, 0, 1);
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var center = (p + (z2 / (2 * n))) / denominator;
        var half = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }

    private protected static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private protected ConstraintJudgment Judgment(double value, double bar, double lower, double upper, int n, bool higherIsBetter)
    {
        var pointMeets = higherIsBetter ? value >= bar : value <= bar;
        var verdict = higherIsBetter
            ? (lower >= bar ? ConstraintVerdict.Meets : upper < bar ? ConstraintVerdict.Violates : ConstraintVerdict.Uncertain)
            : (upper <= bar ? ConstraintVerdict.Meets : lower > bar ? ConstraintVerdict.Violates : ConstraintVerdict.Uncertain);
        var shortfall = pointMeets ? 0 : Math.Abs(value - bar);
        return new ConstraintJudgment(Describe(), Metric, value, bar, lower, upper, n, verdict, pointMeets, shortfall, shortfall / Math.Max(Math.Abs(bar), 1e-12));
    }
}

/// <summary>
/// A higher-is-better quality metric (accuracy, F1, AUC, fidelity) may drop at most so far below the baseline.
/// The baseline is the full-set evaluation and is taken as exact; the candidate's uncertainty follows
/// <see cref="Uncertainty"/> at the trial's sample size.
/// </summary>
/// <param name="QualityMetric">The metric (see <see cref="MetricNames"/>).</param>
/// <param name="Baseline">The baseline model's value.</param>
/// <param name="MaxDrop">Largest allowed drop (absolute or relative, per <paramref name="Kind"/>).</param>
/// <param name="Kind">How the drop is measured.</param>
/// <param name="Uncertainty">How the candidate's uncertainty is estimated.</param>
public sealed record QualityDropConstraint(string QualityMetric, double Baseline, double MaxDrop, DropKind Kind = DropKind.Absolute, UncertaintyModel Uncertainty = UncertaintyModel.Binomial) : SearchConstraint
{
    /// <inheritdoc />
    public override string Metric => QualityMetric;

    /// <summary>The lowest acceptable value.</summary>
    public double Bar => Kind == DropKind.Absolute ? Baseline - MaxDrop : Baseline * (1 - MaxDrop);

    /// <inheritdoc />
    public override string Describe() => $"{Metric} drop <= {F(MaxDrop)} ({Kind.ToString().ToLowerInvariant()}) from baseline {F(Baseline)}";

    /// <inheritdoc />
    public override ConstraintJudgment Judge(double value, int sampleCount, double z)
    {
        var (lower, upper) = Uncertainty switch
        {
            UncertaintyModel.Binomial => WilsonInterval(value, sampleCount, z),
            UncertaintyModel.HalfSampleBinomial => WilsonInterval(value, sampleCount / 2.0, z),
            _ => (value, value),
        };
        return Judgment(value, Bar, Math.Min(lower, value), Math.Max(upper, value), sampleCount, higherIsBetter: true);
    }
}

/// <summary>An absolute limit on a measured-exactly metric (size, compressed size, memory, latency).</summary>
/// <param name="LimitedMetric">The metric.</param>
/// <param name="Kind">Which side is allowed.</param>
/// <param name="Limit">The limit, in the metric's units.</param>
public sealed record MetricLimitConstraint(string LimitedMetric, LimitKind Kind, double Limit) : SearchConstraint
{
    /// <inheritdoc />
    public override string Metric => LimitedMetric;

    /// <summary>Model size at most <paramref name="megabytes"/> MB (1 MB = 10^6 bytes).</summary>
    public static MetricLimitConstraint SizeAtMostMegabytes(double megabytes) => new(MetricNames.SizeBytes, LimitKind.AtMost, megabytes * 1_000_000);

    /// <inheritdoc />
    public override string Describe() => $"{Metric} {(Kind == LimitKind.AtMost ? "<=" : ">=")} {F(Limit)}";

    /// <inheritdoc />
    public override ConstraintJudgment Judge(double value, int sampleCount, double z) =>
        Judgment(value, Limit, value, value, sampleCount, higherIsBetter: Kind == LimitKind.AtLeast);
}
