namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>
/// What a user asks for: which model to optimize, against which data, for which objective, under which constraints
/// and budget. Version <see cref="CurrentSchemaVersion"/>; the JSON form (camelCase, enums as camelCase strings) is
/// described by <c>optimization-spec.schema.json</c> and checked by <see cref="SpecValidator"/>, which reports every
/// problem at once. Two specs with the same content give the same <see cref="SpecHash"/> and therefore the same run id.
/// </summary>
public sealed record OptimizationSpec
{
    /// <summary>The only schema version this build reads and writes.</summary>
    public const string CurrentSchemaVersion = "1.0";

    /// <summary>Schema version of the document; must be <see cref="CurrentSchemaVersion"/>.</summary>
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The model to optimize.</summary>
    public required ModelReference Model { get; init; }

    /// <summary>The evaluation data and how it maps onto the model.</summary>
    public required DatasetReference Dataset { get; init; }

    /// <summary>What "better" means. Default: lowest p50 latency at batch size 1.</summary>
    public ObjectiveSpec Objective { get; init; } = new() { Metric = ObjectiveMetric.LatencyP50 };

    /// <summary>What a candidate must satisfy to be acceptable. Default: none.</summary>
    public ConstraintsSpec Constraints { get; init; } = new();

    /// <summary>Search scheduler and budget. Default: Hyperband with R = 27, eta = 3.</summary>
    public SearchSpec Search { get; init; } = new();

    /// <summary>
    /// Pass names the search may use (for example <c>fp16</c>, <c>quantize-dynamic</c>); null allows every
    /// registered pass that applies to the model. Order is significant for the spec hash only.
    /// </summary>
    public IReadOnlyList<string>? Passes { get; init; }

    /// <summary>Execution providers the trials may use. Default: CPU only.</summary>
    public ProviderPolicy Providers { get; init; } = new();

    /// <summary>Seed for every random choice of the run (sampling, random search), so a rerun is reproducible. Default 0.</summary>
    public long Seed { get; init; }
}

/// <summary>Where the model is: a blob in the <c>models</c> container or a local path (exactly one).</summary>
public sealed record ModelReference
{
    /// <summary>Blob name inside the <c>models</c> container, for example <c>penguins/model.onnx</c>.</summary>
    public string? Blob { get; init; }

    /// <summary>A local file path (embedded runs only).</summary>
    public string? Path { get; init; }
}

/// <summary>
/// Where the evaluation data is (a blob in <c>models</c> or a local path, exactly one) and how it feeds the model.
/// A CSV file is read with the same rules as the engine's CSV reader; a <c>.json</c> file is a dataset manifest that
/// carries its own input mapping.
/// </summary>
public sealed record DatasetReference
{
    /// <summary>Blob name inside the <c>models</c> container.</summary>
    public string? Blob { get; init; }

    /// <summary>A local file path (embedded runs only).</summary>
    public string? Path { get; init; }

    /// <summary>File format; null infers it from the extension (<c>.csv</c>, <c>.json</c>, <c>.npy</c> or <c>.npz</c>).</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>What the evaluation measures. Default <see cref="EvaluationTask.Classification"/>.</summary>
    public EvaluationTask Task { get; init; } = EvaluationTask.Classification;

    /// <summary>CSV and <c>.npy</c> only: the model input the feature columns (or the array) feed.</summary>
    public string? Input { get; init; }

    /// <summary>CSV only: the label column; required for classification and regression.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>CSV only: feature columns in model order; null uses every non-label column in file order.</summary>
    public IReadOnlyList<string>? FeatureColumns { get; init; }

    /// <summary>CSV only: what to do with rows that have missing values. Default <see cref="MissingValueHandling.Error"/>.</summary>
    public MissingValueHandling? MissingValues { get; init; }

    /// <summary>Class names in class-id order (classification only), when labels are strings.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Classification only: the model output holding class scores; null takes the model's first output.</summary>
    public string? ScoreOutput { get; init; }

    /// <summary>Classification only: how to read the scores. Default <see cref="SpecScoreKind.Auto"/>.</summary>
    public SpecScoreKind? ScoreKind { get; init; }
}

/// <summary>What to optimize: one metric, or a weighted mix of metrics (exactly one of the two).</summary>
public sealed record ObjectiveSpec
{
    /// <summary>The single metric to optimize.</summary>
    public ObjectiveMetric? Metric { get; init; }

    /// <summary>
    /// Optional guard for a single metric; it must equal the metric's natural direction (throughput is maximized,
    /// everything else minimized). Null takes the natural direction.
    /// </summary>
    public OptimizationDirection? Direction { get; init; }

    /// <summary>Batch size the latency, throughput and memory metrics are measured at. Default 1.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>
    /// A weighted mix instead of <see cref="Metric"/>: the search minimizes the sum of weight × (candidate ÷ baseline),
    /// with throughput inverted (baseline ÷ candidate) so that lower is better for every term.
    /// </summary>
    public IReadOnlyList<WeightedMetric>? Weights { get; init; }
}

/// <summary>One term of a weighted objective.</summary>
public sealed record WeightedMetric
{
    /// <summary>The metric.</summary>
    public required ObjectiveMetric Metric { get; init; }

    /// <summary>Its weight, greater than zero.</summary>
    public required double Weight { get; init; }
}

/// <summary>What an acceptable candidate must satisfy, relative to the baseline model.</summary>
public sealed record ConstraintsSpec
{
    /// <summary>Largest allowed drops of quality metrics vs the baseline; each metric at most once.</summary>
    public IReadOnlyList<QualityConstraint> Quality { get; init; } = [];

    /// <summary>Largest allowed model file size in bytes, if any.</summary>
    public long? MaxSizeBytes { get; init; }

    /// <summary>
    /// Largest allowed relative RMS difference of the scored output from the baseline's (RMS of the difference over
    /// the RMS of the baseline's output), if any. Needs no labels.
    /// </summary>
    public double? MaxRelativeRms { get; init; }
}

/// <summary>A quality metric may drop by at most <see cref="MaxDrop"/> from the baseline's value.</summary>
public sealed record QualityConstraint
{
    /// <summary>The metric (higher is better for every one of them).</summary>
    public required QualityMetric Metric { get; init; }

    /// <summary>The largest allowed drop, >= 0 (absolute units, or a fraction of the baseline when relative, at most 1).</summary>
    public required double MaxDrop { get; init; }

    /// <summary>Whether <see cref="MaxDrop"/> is absolute or relative to the baseline. Default absolute.</summary>
    public DropMode Mode { get; init; } = DropMode.Absolute;
}

/// <summary>The search scheduler and its budget.</summary>
public sealed record SearchSpec
{
    /// <summary>Scheduler. Default <see cref="SearchScheduler.Hyperband"/>.</summary>
    public SearchScheduler Scheduler { get; init; } = SearchScheduler.Hyperband;

    /// <summary>
    /// R: the full resource one trial can receive, in units; a trial at resource r scores r/R of the evaluation set
    /// (and of latency iterations and calibration samples). Default 27 (rungs 1, 3, 9, 27 at eta 3).
    /// </summary>
    public int MaxResource { get; init; } = 27;

    /// <summary>Smallest resource a trial starts with, at most <see cref="MaxResource"/>. Default 1.</summary>
    public int MinResource { get; init; } = 1;

    /// <summary>Reduction factor between rungs (keep the top 1/eta), at least 2. Default 3.</summary>
    public int Eta { get; init; } = 3;

    /// <summary>Most trials to start, if limited. Random search and ASHA need this or another limit.</summary>
    public int? MaxTrials { get; init; }

    /// <summary>Most resource units spent over all trials, if limited.</summary>
    public double? MaxTotalResource { get; init; }

    /// <summary>Most wall-clock seconds for the search phase, if limited.</summary>
    public int? MaxWallTimeSeconds { get; init; }

    /// <summary>Stop early once the best feasible candidate's objective value reaches this, if set.</summary>
    public double? Target { get; init; }
}

/// <summary>Which execution providers trials may use.</summary>
public sealed record ProviderPolicy
{
    /// <summary>Providers to try, in preference order. Default CPU only.</summary>
    public IReadOnlyList<ProviderName> Allowed { get; init; } = [ProviderName.Cpu];

    /// <summary>When an allowed provider cannot load, measure on the CPU and record why instead of failing the trial. Default true.</summary>
    public bool AllowCpuFallback { get; init; } = true;
}
