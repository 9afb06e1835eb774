using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Orchestration.Contracts;
using CoreTask = FunctionsOpt.Core.Evaluation.EvaluationTask;
using SpecTask = FunctionsOpt.Orchestration.Contracts.EvaluationTask;

namespace FunctionsOpt.Orchestration.Optimization;

/// <summary>
/// Maps the contract (<see cref="OptimizationSpec"/>) onto the engine's types: dataset loading, evaluation request,
/// search limits, objective and constraints (relative to the baseline's measured metrics), search settings and the
/// scheduler. Pure and deterministic: the same spec and baseline give the same objects (so a restored scheduler's
/// fingerprints match).
/// </summary>
public static class SpecMapper
{
    /// <summary>How to read the spec's dataset file.</summary>
    public static DatasetLoadOptions DatasetOptions(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var d = spec.Dataset;
        return new DatasetLoadOptions
        {
            InputName = d.Input,
            ClassNames = d.ClassNames,
            Csv = new CsvReadOptions
            {
                LabelColumn = d.LabelColumn,
                FeatureColumns = d.FeatureColumns,
                InputName = d.Input,
                ClassNames = d.ClassNames,
                Task = d.Task switch
                {
                    SpecTask.Regression => DatasetTask.Regression,
                    _ => DatasetTask.Classification,
                },
                MissingValues = d.MissingValues == MissingValueHandling.DropRows ? MissingValuePolicy.DropRows : MissingValuePolicy.Error,
            },
        };
    }

    /// <summary>How candidates are evaluated and timed.</summary>
    public static TrialSettings TrialSettings(OptimizationSpec spec, OptimizationOptions options, string workDirectory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var d = spec.Dataset;
        return new TrialSettings
        {
            Session = new SessionSettings
            {
                Provider = spec.Providers.Allowed.Count > 0 ? spec.Providers.Allowed[0].ToExecutionProvider() : ExecutionProvider.Cpu,
                AllowCpuFallback = spec.Providers.AllowCpuFallback,
            },
            Evaluation = new EvaluationRequest
            {
                Task = d.Task switch
                {
                    SpecTask.Regression => CoreTask.Regression,
                    SpecTask.Fidelity => CoreTask.FidelityOnly,
                    _ => CoreTask.Classification,
                },
                ScoreOutput = d.ScoreOutput,
                ScoreKind = d.ScoreKind switch
                {
                    SpecScoreKind.Probabilities => Core.Evaluation.Metrics.ScoreKind.Probabilities,
                    SpecScoreKind.Logits => Core.Evaluation.Metrics.ScoreKind.Logits,
                    _ => Core.Evaluation.Metrics.ScoreKind.Auto,
                },
            },
            LatencyBatchSize = spec.Objective.BatchSize,
            WarmupRuns = options.WarmupRuns,
            MaxLatencySeconds = options.MaxLatencySeconds,
            Seed = spec.Seed,
            WorkDirectory = workDirectory,
            Timing = options.TrialTiming with { Seed = spec.Seed },
        };
    }

    /// <summary>The passes the user allows (null: every applicable one).</summary>
    public static SearchLimits Limits(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new SearchLimits { AllowedPasses = spec.Passes };
    }

    /// <summary>The engine's metric name of an objective metric at the spec's batch size.</summary>
    public static string MetricName(ObjectiveMetric metric, int batchSize) => metric switch
    {
        ObjectiveMetric.LatencyP50 => MetricNames.LatencyP50Ms(batchSize),
        ObjectiveMetric.LatencyP95 => MetricNames.LatencyP95Ms(batchSize),
        ObjectiveMetric.Throughput => MetricNames.Throughput(batchSize),
        ObjectiveMetric.SizeBytes => MetricNames.SizeBytes,
        ObjectiveMetric.CompressedSizeBytes => MetricNames.CompressedSizeBytes,
        ObjectiveMetric.PeakMemoryBytes => MetricNames.PeakMemoryBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>The engine's metric name of a quality metric, or null when trials do not measure it.</summary>
    public static string? MetricName(QualityMetric metric) => metric switch
    {
        QualityMetric.Accuracy => MetricNames.Accuracy,
        QualityMetric.F1 => MetricNames.F1Macro,
        QualityMetric.Auc => MetricNames.Auc,
        QualityMetric.Fidelity => MetricNames.FidelityTop1,
        QualityMetric.Cosine => MetricNames.FidelityCosine,
        _ => null,
    };

    /// <summary>
    /// Problems the engine cannot run (beyond what <see cref="SpecValidator"/> checks): metrics trials do not
    /// measure. Empty when the spec can run.
    /// </summary>
    public static IReadOnlyList<string> Unsupported(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<string>();
        var metrics = spec.Objective.Weights?.Select(w => w.Metric) ?? (spec.Objective.Metric is { } m ? [m] : []);
        if (metrics.Contains(ObjectiveMetric.PeakMemoryBytes))
        {
            problems.Add("The peak-memory objective is not measured per trial yet; choose latency, throughput or size.");
        }

        problems.AddRange(spec.Constraints.Quality.Where(q => MetricName(q.Metric) is null)
            .Select(q => $"Quality constraint on '{q.Metric}' is not measured per trial yet; use accuracy, f1, auc, fidelity or cosine."));
        return problems;
    }

    /// <summary>The objective with constraints relative to <paramref name="baseline"/> (the unmodified model's metrics).</summary>
    /// <exception cref="InvalidOperationException">The baseline lacks a metric a constraint or a weighted term needs.</exception>
    public static SearchObjective Objective(OptimizationSpec spec, IReadOnlyDictionary<string, double> baseline)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(baseline);
        var batch = spec.Objective.BatchSize;
        var constraints = new List<SearchConstraint>();
        foreach (var q in spec.Constraints.Quality)
        {
            var name = MetricName(q.Metric) ?? throw new InvalidOperationException($"Quality metric '{q.Metric}' is not measured.");
            var value = baseline.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"The baseline has no '{name}' to constrain.");
            // Cosine is a mean of continuous values, not a proportion: no binomial interval applies to it.
            var uncertainty = q.Metric switch
            {
                QualityMetric.Auc => UncertaintyModel.HalfSampleBinomial,
                QualityMetric.Cosine => UncertaintyModel.None,
                _ => UncertaintyModel.Binomial,
            };
            constraints.Add(new QualityDropConstraint(name, value, q.MaxDrop, q.Mode == DropMode.Relative ? DropKind.Relative : DropKind.Absolute, uncertainty));
        }

        if (spec.Constraints.MaxSizeBytes is { } maxBytes)
        {
            constraints.Add(new MetricLimitConstraint(MetricNames.SizeBytes, LimitKind.AtMost, maxBytes));
        }

        if (spec.Constraints.MaxRelativeRms is { } maxRms)
        {
            constraints.Add(new MetricLimitConstraint(MetricNames.FidelityRelativeRms, LimitKind.AtMost, maxRms));
        }

        if (spec.Objective.Weights is { Count: > 0 } weights)
        {
            var terms = weights.Select(w =>
            {
                var name = MetricName(w.Metric, batch);
                var scale = baseline.TryGetValue(name, out var b) && b != 0 ? b : throw new InvalidOperationException($"The baseline has no non-zero '{name}' to scale by.");
                return new ObjectiveTerm(name, w.Metric.NaturalDirection() == OptimizationDirection.Maximize ? MetricGoal.Maximize : MetricGoal.Minimize, w.Weight, scale);
            }).ToArray();
            return new SearchObjective(terms, constraints, spec.Search.Target);
        }

        var metric = spec.Objective.Metric ?? ObjectiveMetric.LatencyP50;
        var metricName = MetricName(metric, batch);
        return metric.NaturalDirection() == OptimizationDirection.Maximize
            ? SearchObjective.Maximize(metricName, constraints, spec.Search.Target)
            : SearchObjective.Minimize(metricName, constraints, spec.Search.Target);
    }

    /// <summary>Shared scheduler settings.</summary>
    public static SearchSettings Settings(OptimizationSpec spec, OptimizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var s = spec.Search;
        return new SearchSettings
        {
            MaxResource = s.MaxResource,
            Seed = unchecked((ulong)spec.Seed),
            Stopping = new StoppingCriteria
            {
                MaxTrials = s.MaxTrials,
                MaxTotalResource = s.MaxTotalResource,
                MaxWallTime = s.MaxWallTimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                StopWhenTargetMet = s.Target is not null,
            },
            Budget = new TrialBudgetPolicy
            {
                MaxLatencyIterations = options.MaxLatencyIterations,
                MinLatencyIterations = Math.Min(options.MinLatencyIterations, options.MaxLatencyIterations),
                MaxCalibrationSamples = options.MaxCalibrationSamples,
                MinCalibrationSamples = Math.Min(options.MinCalibrationSamples, options.MaxCalibrationSamples),
            },
        };
    }

    /// <summary>A new scheduler of the spec's kind.</summary>
    public static ISearchScheduler CreateScheduler(OptimizationSpec spec, SearchSpace space, SearchObjective objective, OptimizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var s = spec.Search;
        var settings = Settings(spec, options);
        return s.Scheduler switch
        {
            SearchScheduler.Hyperband => new HyperbandScheduler(space, objective, settings, new HyperbandSettings(s.Eta)),
            SearchScheduler.SuccessiveHalving => SuccessiveHalving(space, objective, settings, s),
            SearchScheduler.Asha => new AshaScheduler(space, objective, settings, new AshaSettings(s.MinResource, s.Eta, 0, s.MaxTrials)),
            SearchScheduler.Random => new RandomScheduler(space, objective, settings, new RandomSettings(s.MaxTrials ?? 10)),
            SearchScheduler.Grid => new GridScheduler(space, objective, settings),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };
    }

    private static SuccessiveHalvingScheduler SuccessiveHalving(SearchSpace space, SearchObjective objective, SearchSettings settings, SearchSpec s)
    {
        var rungs = 0;
        for (long r = s.MinResource; r * s.Eta <= s.MaxResource; r *= s.Eta)
        {
            rungs++;
        }

        var configurations = (int)Math.Pow(s.Eta, rungs);
        return new SuccessiveHalvingScheduler(space, objective, settings, new SuccessiveHalvingSettings(configurations, s.Eta, rungs));
    }
}
