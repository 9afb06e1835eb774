using System.Globalization;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Tests.Search;

/// <summary>
/// A pass that declares parameters and an applicability answer, and cannot run (the search never applies passes).
/// Its kind defaults to <see cref="PassKind.Pruning"/>, which gets an independent switch; set
/// <see cref="Kind"/> to Precision or Quantization for a numeric-format pass.
/// </summary>
internal sealed class FakePass(string name, bool applies, params ParameterDefinition[] parameters) : IModelPass
{
    public string Name { get; } = name;

    public PassKind Kind { get; init; } = PassKind.Pruning;

    public IReadOnlyList<ParameterDefinition> Parameters { get; } = parameters;

    public PassApplicability CheckApplicability(ModelProto model) => applies ? PassApplicability.Yes("fake: applies") : PassApplicability.No("fake: nothing to do");

    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context) => throw new NotSupportedException("Fake passes are never applied.");
}

internal sealed class FakeCatalogue(params IModelPass[] passes) : IPassCatalogue
{
    public IReadOnlyList<IModelPass> Passes { get; } = passes;
}

internal static class SearchFakes
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static SearchSpace SmallSpace() => new(
    [
        new CategoricalParameter("mode", ["none", "dynamic", "static"]),
        new CategoricalParameter("calibration", ["minmax", "entropy"]) { Condition = new ParameterCondition("mode", [ParameterValue.Of("static")]) },
        new FloatParameter("sparsity", 0.0, 0.8, GridPoints: [0.0, 0.4, 0.8]),
        new IntegerParameter("threads", 1, 4),
    ]);

    /// <summary>A deterministic latency surface: lower with static mode and sparsity, noisy at low resource.</summary>
    public static TrialResult Evaluate(Trial trial, int sampleCount = 1000)
    {
        var v = trial.Configuration.Values;
        var latency = 10.0;
        latency *= v["mode"].Text switch { "static" => 0.5, "dynamic" => 0.7, _ => 1.0 };
        latency *= v.TryGetValue("calibration", out var c) && c.Text == "entropy" ? 0.9 : 1.0;
        latency *= 1.0 - (0.5 * v["sparsity"].AsDouble);
        latency *= 1.0 + (0.05 * Math.Abs(v["threads"].Integer - 2));
        var accuracy = 0.95 - (0.1 * v["sparsity"].AsDouble * v["sparsity"].AsDouble);
        var noise = (1.0 - trial.ResourceFraction) * (((trial.Configuration.Hash[0] % 7) - 3) / 10.0);
        return new TrialResult
        {
            TrialId = trial.Id,
            Metrics = new Dictionary<string, double>
            {
                ["latency"] = latency + noise,
                [MetricNames.Accuracy] = accuracy,
                [MetricNames.SizeBytes] = 1000 * (1 - v["sparsity"].AsDouble),
            },
            SampleCount = (int)Math.Round(sampleCount * trial.ResourceFraction),
        };
    }

    public static SearchObjective LatencyObjective() => SearchObjective.Minimize("latency");

    public static SearchSettings Settings(long maxResource, ulong seed = 7, StoppingCriteria? stopping = null) =>
        new() { MaxResource = maxResource, Seed = seed, Stopping = stopping ?? new StoppingCriteria() };

    /// <summary>Text of a trial that covers every field, so equal texts mean byte-identical suggestions.</summary>
    public static string Describe(Trial t) => string.Join(
        "|",
        t.Id.ToString(CultureInfo.InvariantCulture),
        t.Configuration.Canonical,
        t.Bracket.ToString(CultureInfo.InvariantCulture),
        t.Rung.ToString(CultureInfo.InvariantCulture),
        t.Resource.ToString("R", CultureInfo.InvariantCulture),
        t.ResourceFraction.ToString("R", CultureInfo.InvariantCulture),
        t.Budget.ToString(),
        t.PromotedFrom?.ToString(CultureInfo.InvariantCulture) ?? "-");

    /// <summary>Drives a scheduler to the end, reporting every batch immediately; returns every suggestion in order.</summary>
    public static List<string> Drive(ISearchScheduler scheduler, Func<Trial, TrialResult>? evaluate = null, int workers = 4, int maxRounds = 100_000)
    {
        evaluate ??= t => Evaluate(t);
        var log = new List<string>();
        for (var round = 0; round < maxRounds && !scheduler.IsFinished; round++)
        {
            var batch = scheduler.Suggest(workers, T0.AddMinutes(round));
            log.AddRange(batch.Select(Describe));
            scheduler.Report(batch.Select(evaluate).ToArray());
        }

        Assert.True(scheduler.IsFinished, "scheduler did not finish");
        return log;
    }
}
