using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.SearchBenchmarks;

/// <summary>
/// A noisy synthetic trial-response surface standing in for real passes (see search.md for the formulas).
/// The true values are what a full-budget evaluation measures; a trial at resource fraction f observes them with
/// noise that shrinks to zero at f = 1 (finite-population correction of a sample of f·N rows, and latency
/// measured over f·iterations runs).
/// </summary>
internal static class SyntheticSurface
{
    public const double BaselineAccuracy = 0.95;
    public const int EvaluationRows = 2000;
    public const double LatencyNoise = 0.03;

    public static SearchSpace Space() => new(
    [
        new BooleanParameter("quantize.enabled"),
        new CategoricalParameter("quantize.mode", ["dynamic", "static"]) { Condition = When("quantize.enabled", ParameterValue.Of(true)) },
        new CategoricalParameter("quantize.calibration", ["minmax", "percentile", "entropy"]) { Condition = When("quantize.mode", ParameterValue.Of("static")) },
        new BooleanParameter("quantize.per_channel") { Condition = When("quantize.enabled", ParameterValue.Of(true)) },
        new BooleanParameter("prune.enabled"),
        new FloatParameter("prune.sparsity", 0.1, 0.9, GridPoints: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) { Condition = When("prune.enabled", ParameterValue.Of(true)) },
        new CategoricalParameter("prune.pattern", ["unstructured", "2:4"]) { Condition = When("prune.enabled", ParameterValue.Of(true)) },
        new BooleanParameter("fp16.enabled"),
        new IntegerParameter("runtime.threads", 1, 4),
    ]);

    public static (double LatencyMs, double Accuracy) Truth(SearchConfiguration c)
    {
        var v = c.Values;
        double latency = 10, accuracy = BaselineAccuracy;
        var quantized = v["quantize.enabled"].AsBoolean;
        if (quantized)
        {
            var perChannel = v["quantize.per_channel"].AsBoolean;
            double drop;
            if (v["quantize.mode"].Text == "dynamic")
            {
                latency *= 0.75;
                drop = 0.004;
            }
            else
            {
                var calibration = v["quantize.calibration"].Text;
                latency *= 0.55 * (calibration switch { "minmax" => 1.0, "percentile" => 0.98, _ => 0.97 });
                drop = calibration switch { "minmax" => 0.012, "percentile" => 0.007, _ => 0.005 };
            }

            latency *= perChannel ? 1.02 : 1.0;
            accuracy -= perChannel ? drop / 2 : drop;
        }

        if (v["prune.enabled"].AsBoolean)
        {
            var s = v["prune.sparsity"].Real;
            var structured = v["prune.pattern"].Text == "2:4";
            latency *= 1 - ((structured ? 0.6 : 0.2) * s);
            accuracy -= (structured ? 0.06 : 0.02) * s * s;
        }

        if (v["fp16.enabled"].AsBoolean)
        {
            latency *= quantized ? 1.05 : 0.85;
            accuracy -= 0.001;
        }

        latency *= v["runtime.threads"].Integer switch { 1 => 1.0, 2 => 0.8, 3 => 0.74, _ => 0.76 };
        return (latency, accuracy);
    }

    public static TrialResult Observe(Trial trial, ulong seed)
    {
        var (latency, accuracy) = Truth(trial.Configuration);
        var f = trial.ResourceFraction;
        var rows = Math.Max(1, (int)Math.Round(f * EvaluationRows));
        var random = new SearchRandom((seed * 1_000_003UL) + (ulong)trial.Id);
        var accuracySd = Math.Sqrt(accuracy * (1 - accuracy) / rows * (1 - f));
        var latencySd = LatencyNoise * Math.Sqrt((1 / f) - 1);
        return new TrialResult
        {
            TrialId = trial.Id,
            Metrics = new Dictionary<string, double>
            {
                [MetricNames.LatencyP50Ms(1)] = latency * Math.Max(0.05, 1 + (latencySd * Gaussian(random))),
                [MetricNames.Accuracy] = Math.Clamp(accuracy + (accuracySd * Gaussian(random)), 0, 1),
            },
            SampleCount = rows,
        };
    }

    private static ParameterCondition When(string parent, ParameterValue value) => new(parent, [value]);

    private static double Gaussian(SearchRandom random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
