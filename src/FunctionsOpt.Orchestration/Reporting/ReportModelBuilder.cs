using System.Globalization;
using System.Text.RegularExpressions;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>Builds the <see cref="ReportModel"/> from a state record. Pure and deterministic: the same record gives the same model.</summary>
public static partial class ReportModelBuilder
{
    /// <summary>Prefix of final re-evaluation trial ids.</summary>
    public const string FinalPrefix = "final-";

    /// <summary>The report of <paramref name="state"/>.</summary>
    public static ReportModel Build(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var spec = state.Spec;
        var batch = spec.Objective.BatchSize;
        var objectiveMetric = spec.Objective.Metric ?? (spec.Objective.Weights is { Count: > 0 } weights ? weights[0].Metric : (ObjectiveMetric?)null) ?? ObjectiveMetric.LatencyP50;
        var quality = spec.Constraints.Quality.Select(q => SpecMapper.MetricName(q.Metric)).FirstOrDefault(m => m is not null) ?? MetricNames.FidelityTop1;
        var objective = new ReportObjective
        {
            Metric = SpecMapper.MetricName(objectiveMetric, batch),
            Goal = objectiveMetric == ObjectiveMetric.Throughput ? "maximize" : "minimize",
            BatchSize = batch,
            QualityMetric = quality,
        };

        var trials = Ordered(state.Trials).Select(ToView).ToArray();
        var best = state.BestTrialId is { } id ? trials.FirstOrDefault(t => t.TrialId == id) : null;
        var baseline = state.Baseline?.Metrics ?? new Dictionary<string, double>();
        var constraints = state.Outcome?.Constraints ?? [];
        var bestEffort = state.Outcome?.BestEffort ?? false;
        var latency = MetricNames.LatencyP50Ms(batch);

        return new ReportModel
        {
            RunId = state.RunId,
            Status = state.Status,
            StateVersion = state.Version,
            Model = state.SourceModel,
            Dataset = spec.Dataset.Path ?? spec.Dataset.Blob ?? string.Empty,
            Objective = objective,
            Headline = new ReportHeadline
            {
                BestTrialId = best?.TrialId,
                BestEffort = bestEffort,
                ConstraintsMet = best is not null && !bestEffort && constraints.All(c => c.Met),
                Constraints = constraints,
                Passes = best?.Passes ?? [],
                Rows = HeadlineRows(batch, baseline, best?.Metrics),
            },
            Verdict = state.Verdict,
            Baseline = state.Baseline,
            Best = best,
            // The scatter's x axis is the objective (latency for a throughput objective: same order, minimized).
            Pareto = Pareto(trials, best, objective.Goal == "minimize" ? objective.Metric : latency, quality),
            Hyperband = Hyperband(spec, trials),
            PassEffects = PassEffects(spec, trials, baseline, latency, quality),
            Trials = trials,
            Failures = trials.Where(t => t.Status != "ok").Select(t => new ReportFailure
            {
                TrialId = t.TrialId,
                Status = t.Status,
                Code = t.ErrorCode ?? "unknown",
                Message = t.Error ?? "no reason recorded",
                Passes = t.Passes,
            }).ToArray(),
            Environment = state.Environment,
            Serving = state.Serving is { } serving ? Serving(serving, state.SourceModel) : null,
            StopReason = state.Outcome?.StopReason,
            ExcludedPasses = state.Outcome?.ExcludedPasses ?? [],
            Errors = state.Errors,
        };
    }

    /// <summary>
    /// The configuration's parameters, name to value text (type prefix removed), from its canonical form
    /// <c>pass.param=t:value;...</c>. A ';' inside a text value is kept (a split happens only before <c>name=t:</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseConfiguration(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (canonical.Length == 0)
        {
            return result;
        }

        foreach (var part in EntrySeparator().Split(canonical))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = part[(eq + 1)..];
            result[part[..eq]] = value.Length >= 2 && value[1] == ':' ? value[2..] : value;
        }

        return result;
    }

    /// <summary>The numeric part of a trial id (<c>t12</c> → 12, <c>final-0</c> → 0), or <see cref="int.MaxValue"/>.</summary>
    public static int Ordinal(string trialId)
    {
        ArgumentNullException.ThrowIfNull(trialId);
        var digits = trialId.StartsWith(FinalPrefix, StringComparison.Ordinal) ? trialId[FinalPrefix.Length..] : trialId.TrimStart('t');
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
    }

    /// <summary>True for a final re-evaluation's id.</summary>
    public static bool IsFinal(string trialId) => trialId?.StartsWith(FinalPrefix, StringComparison.Ordinal) ?? false;

    /// <summary>Median of a non-empty list (mean of the two middle values for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("The median of nothing is undefined.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static IEnumerable<TrialResult> Ordered(IEnumerable<TrialResult> trials) =>
        trials.OrderBy(t => IsFinal(t.TrialId)).ThenBy(t => Ordinal(t.TrialId)).ThenBy(t => t.TrialId, StringComparer.Ordinal);

    private static ReportTrial ToView(TrialResult t) => new()
    {
        TrialId = t.TrialId,
        Phase = IsFinal(t.TrialId) ? "final" : "search",
        Bracket = t.Bracket,
        Rung = t.Rung,
        Resource = t.Resource,
        Status = t.Status.ToString().ToLowerInvariant(),
        Passes = t.Passes,
        Parameters = ParseConfiguration(t.Configuration),
        Metrics = new SortedDictionary<string, double>(t.Metrics.ToDictionary(), StringComparer.Ordinal),
        Provider = t.Provider,
        ErrorCode = t.Error?.Code,
        Error = t.Error?.Message,
        CandidateHash = t.CandidateHash,
        PromotedFrom = t.PromotedFrom,
        BuildSeconds = t.Timings?.BuildSeconds ?? 0,
        EvaluateSeconds = t.Timings?.EvaluateSeconds ?? 0,
    };

    private static HeadlineRow[] HeadlineRows(int batch, IReadOnlyDictionary<string, double> baseline, IReadOnlyDictionary<string, double>? best)
    {
        (string Metric, string Label, string Unit, string Better)[] rows =
        [
            (MetricNames.LatencyP50Ms(batch), $"latency p50 (batch {batch.ToString(CultureInfo.InvariantCulture)})", "ms", "lower"),
            (MetricNames.LatencyP95Ms(batch), $"latency p95 (batch {batch.ToString(CultureInfo.InvariantCulture)})", "ms", "lower"),
            (MetricNames.Throughput(batch), $"throughput (batch {batch.ToString(CultureInfo.InvariantCulture)})", "rows/s", "higher"),
            (MetricNames.SizeBytes, "model size", "bytes", "lower"),
            (MetricNames.CompressedSizeBytes, "gzip size", "bytes", "lower"),
            (MetricNames.PeakMemoryBytes, "peak memory", "bytes", "lower"),
            (MetricNames.Accuracy, "accuracy", string.Empty, "higher"),
            (MetricNames.F1Macro, "F1 (macro)", string.Empty, "higher"),
            (MetricNames.Auc, "AUC", string.Empty, "higher"),
            (MetricNames.FidelityTop1, "fidelity (top-1 agreement)", string.Empty, "higher"),
            (MetricNames.FidelityCosine, "fidelity (cosine)", string.Empty, "higher"),
            (MetricNames.FidelityRelativeRms, "fidelity (relative RMS)", string.Empty, "lower"),
        ];
        // The cosine and RMS rows appear only when measured, so reports of runs from before they existed read the same.
        string[] optional = [MetricNames.FidelityCosine, MetricNames.FidelityRelativeRms];
        return rows.Where(r => !optional.Contains(r.Metric) || baseline.ContainsKey(r.Metric) || best?.ContainsKey(r.Metric) == true).Select(r =>
        {
            double? b = baseline.TryGetValue(r.Metric, out var bv) ? bv : null;
            double? o = best is not null && best.TryGetValue(r.Metric, out var ov) ? ov : null;
            return new HeadlineRow
            {
                Metric = r.Metric,
                Label = r.Label,
                Unit = r.Unit,
                Better = r.Better,
                Baseline = b,
                Best = o,
                Ratio = b is { } x && o is { } y && x != 0 ? y / x : null,
            };
        }).ToArray();
    }

    private static ReportPareto Pareto(IReadOnlyList<ReportTrial> trials, ReportTrial? best, string x, string y)
    {
        var candidates = trials
            .Where(t => t.Status == "ok" && t.Metrics.ContainsKey(x) && t.Metrics.ContainsKey(y))
            .GroupBy(t => ConfigurationKey(t), StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(t => t.Resource).ThenByDescending(t => t.Phase == "final").ThenBy(t => Ordinal(t.TrialId)).First())
            .OrderBy(t => t.Phase == "final").ThenBy(t => Ordinal(t.TrialId))
            .ToList();
        var chosenKey = best is null ? null : ConfigurationKey(best);
        var points = candidates.Select(t => new ParetoPointView
        {
            TrialId = t.TrialId,
            Passes = t.Passes,
            X = t.Metrics[x],
            Y = t.Metrics[y],
            Size = t.Metrics.TryGetValue(MetricNames.SizeBytes, out var s) ? s : 0,
            Resource = t.Resource,
            Chosen = chosenKey is not null && ConfigurationKey(t) == chosenKey,
        }).ToList();
        var dominated = points.Select(p => points.Any(q => !ReferenceEquals(p, q) && Dominates(q, p))).ToList();
        return new ReportPareto
        {
            XMetric = x,
            YMetric = y,
            SizeMetric = MetricNames.SizeBytes,
            Points = points.Select((p, i) => p with { Dominated = dominated[i] }).ToArray(),
        };
    }

    private static bool Dominates(ParetoPointView a, ParetoPointView b) =>
        a.X <= b.X && a.Y >= b.Y && a.Size <= b.Size && (a.X < b.X || a.Y > b.Y || a.Size < b.Size);

    private static string ConfigurationKey(ReportTrial t) =>
        string.Join(';', t.Parameters.Select(kv => kv.Key + "=" + kv.Value));

    private static ReportHyperband Hyperband(OptimizationSpec spec, IReadOnlyList<ReportTrial> trials)
    {
        var search = trials.Where(t => t.Phase == "search").ToList();
        var promotedSources = trials.Where(t => t.PromotedFrom is not null).Select(t => t.PromotedFrom!).ToHashSet(StringComparer.Ordinal);
        var brackets = search
            .GroupBy(t => t.Bracket)
            .OrderByDescending(g => g.Key)
            .Select(g => new BracketView
            {
                Bracket = g.Key,
                Rungs = g.GroupBy(t => t.Rung).OrderBy(r => r.Key).Select(r => new RungView
                {
                    Rung = r.Key,
                    Resource = r.Max(t => t.Resource),
                    Budget = r.Sum(t => t.Resource),
                    Trials = r.Select(t => t.TrialId).ToArray(),
                    Promoted = r.Where(t => promotedSources.Contains(t.TrialId)).Select(t => t.TrialId).ToArray(),
                }).ToArray(),
            })
            .ToArray();
        return new ReportHyperband
        {
            Eta = spec.Search.Eta,
            MaxResource = spec.Search.MaxResource,
            Brackets = brackets,
            Finals = trials.Where(t => t.Phase == "final").Select(t => t.TrialId).ToArray(),
        };
    }

    private static PassEffect[] PassEffects(OptimizationSpec spec, IReadOnlyList<ReportTrial> trials, IReadOnlyDictionary<string, double> baseline, string latency, string quality)
    {
        var passes = (spec.Passes ?? []).Concat(trials.SelectMany(t => t.Passes).Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToArray();
        var ok = trials.Where(t => t.Status == "ok" && t.Metrics.Count > 0).ToList();
        double? Effect(string pass, Func<ReportTrial, double?> measure)
        {
            var on = ok.Where(t => t.Passes.Contains(pass)).Select(measure).OfType<double>().ToArray();
            var off = ok.Where(t => !t.Passes.Contains(pass)).Select(measure).OfType<double>().ToArray();
            // Shown only when the bootstrap interval of the difference excludes zero: otherwise the effect is noise.
            return Core.Timing.MedianDifference.IfMeasurable(on, off, seed: spec.Seed);
        }

        double? Relative(ReportTrial t, string metric) =>
            t.Metrics.TryGetValue(metric, out var v) && baseline.TryGetValue(metric, out var b) && b != 0 ? (v / b) - 1 : null;
        double? Delta(ReportTrial t, string metric) =>
            t.Metrics.TryGetValue(metric, out var v) && baseline.TryGetValue(metric, out var b) ? v - b : null;

        return passes.Select(p => new PassEffect
        {
            Pass = p,
            TrialsOn = ok.Count(t => t.Passes.Contains(p)),
            TrialsOff = ok.Count(t => !t.Passes.Contains(p)),
            LatencyChange = Effect(p, t => Relative(t, latency)),
            SizeChange = Effect(p, t => Relative(t, MetricNames.SizeBytes)),
            QualityChange = Effect(p, t => Delta(t, quality)),
        }).ToArray();
    }

    private static ReportServing Serving(ServingProfile serving, SourceModelInfo? model)
    {
        var plan = ServingBatchPolicy.Choose(serving.Batches, ServingBatchPolicy.HasDynamicBatch(model));
        return new ReportServing { Batches = serving.Batches, MaxBatchSize = plan.MaxBatchSize, PreferredBatchSizes = plan.PreferredBatchSizes, Rule = plan.Rule };
    }

    [GeneratedRegex(";(?=[A-Za-z0-9_.-]+=[sifb]:)", RegexOptions.CultureInvariant)]
    private static partial Regex EntrySeparator();
}
