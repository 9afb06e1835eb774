using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>
/// The run's report (<c>report.json</c>, schema version <see cref="CurrentSchemaVersion"/>, described by
/// <c>docs/report-schema.md</c> and <c>report.schema.json</c>). Built from the state record alone by
/// <see cref="ReportModelBuilder"/>; every other rendering (HTML, markdown, model card) reads this model, so they
/// never disagree. Absent values are omitted, never null.
/// </summary>
public sealed record ReportModel
{
    /// <summary>The schema version this build writes.</summary>
    public const string CurrentSchemaVersion = "2.0";

    /// <summary>Schema version of the document.</summary>
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The run's status when the report was made.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>The state record version the report was built from.</summary>
    public long StateVersion { get; init; }

    /// <summary>The input model, when known.</summary>
    public SourceModelInfo? Model { get; init; }

    /// <summary>Where the evaluation data came from (path or blob name).</summary>
    public required string Dataset { get; init; }

    /// <summary>The objective.</summary>
    public required ReportObjective Objective { get; init; }

    /// <summary>Baseline vs best, the figures a reader looks at first.</summary>
    public required ReportHeadline Headline { get; init; }

    /// <summary>The final stage's interleaved re-measurement and recommendation; null when the run did not reach it.</summary>
    public RunVerdict? Verdict { get; init; }

    /// <summary>The unmodified model's measurements.</summary>
    public MetricsSummary? Baseline { get; init; }

    /// <summary>The chosen trial, if any.</summary>
    public ReportTrial? Best { get; init; }

    /// <summary>Latency vs quality of every evaluated configuration.</summary>
    public required ReportPareto Pareto { get; init; }

    /// <summary>The search's brackets and rungs.</summary>
    public required ReportHyperband Hyperband { get; init; }

    /// <summary>What each pass contributed.</summary>
    public IReadOnlyList<PassEffect> PassEffects { get; init; } = [];

    /// <summary>Every trial (search and final), in id order.</summary>
    public IReadOnlyList<ReportTrial> Trials { get; init; } = [];

    /// <summary>Trials that failed or were invalid, with their reasons.</summary>
    public IReadOnlyList<ReportFailure> Failures { get; init; } = [];

    /// <summary>Where the measurements ran.</summary>
    public RunEnvironment? Environment { get; init; }

    /// <summary>The serving choice derived from the chosen model's throughput curve, when measured.</summary>
    public ReportServing? Serving { get; init; }

    /// <summary>Why the search stopped.</summary>
    public string? StopReason { get; init; }

    /// <summary>Passes the search left out, with reasons.</summary>
    public IReadOnlyList<string> ExcludedPasses { get; init; } = [];

    /// <summary>Errors the run met.</summary>
    public IReadOnlyList<RunError> Errors { get; init; } = [];
}

/// <summary>What the search optimized.</summary>
public sealed record ReportObjective
{
    /// <summary>The engine's metric name (for example <c>latency.p50.ms@1</c>).</summary>
    public required string Metric { get; init; }

    /// <summary><c>minimize</c> or <c>maximize</c>.</summary>
    public required string Goal { get; init; }

    /// <summary>Batch size of the latency metrics.</summary>
    public int BatchSize { get; init; }

    /// <summary>The quality metric plotted and bounded (first quality constraint, else top-1 fidelity).</summary>
    public required string QualityMetric { get; init; }
}

/// <summary>Baseline vs best.</summary>
public sealed record ReportHeadline
{
    /// <summary>The chosen trial id, if any.</summary>
    public string? BestTrialId { get; init; }

    /// <summary>True when the chosen trial misses a constraint (the closest one is reported).</summary>
    public bool BestEffort { get; init; }

    /// <summary>True when a best trial exists and it meets every constraint by point estimate.</summary>
    public bool ConstraintsMet { get; init; }

    /// <summary>Each constraint as judged on the chosen trial.</summary>
    public IReadOnlyList<ConstraintCheck> Constraints { get; init; } = [];

    /// <summary>The passes of the chosen trial, in order.</summary>
    public IReadOnlyList<string> Passes { get; init; } = [];

    /// <summary>One row per headline metric.</summary>
    public IReadOnlyList<HeadlineRow> Rows { get; init; } = [];
}

/// <summary>One metric, baseline vs best.</summary>
public sealed record HeadlineRow
{
    /// <summary>The engine's metric name.</summary>
    public required string Metric { get; init; }

    /// <summary>What a reader calls it.</summary>
    public required string Label { get; init; }

    /// <summary>Unit (<c>ms</c>, <c>rows/s</c>, <c>bytes</c>, or empty).</summary>
    public required string Unit { get; init; }

    /// <summary><c>lower</c> or <c>higher</c>: which direction is better.</summary>
    public required string Better { get; init; }

    /// <summary>The baseline's value, when measured.</summary>
    public double? Baseline { get; init; }

    /// <summary>The chosen model's value, when measured.</summary>
    public double? Best { get; init; }

    /// <summary>best / baseline, when both are measured and the baseline is not zero.</summary>
    public double? Ratio { get; init; }
}

/// <summary>One trial as the report shows it.</summary>
public sealed record ReportTrial
{
    /// <summary>The run's trial id.</summary>
    public required string TrialId { get; init; }

    /// <summary><c>search</c> or <c>final</c>.</summary>
    public required string Phase { get; init; }

    /// <summary>Bracket.</summary>
    public int Bracket { get; init; }

    /// <summary>Rung.</summary>
    public int Rung { get; init; }

    /// <summary>Resource.</summary>
    public double Resource { get; init; }

    /// <summary><c>ok</c>, <c>failed</c> or <c>invalid</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Passes applied, in order.</summary>
    public IReadOnlyList<string> Passes { get; init; } = [];

    /// <summary>Configuration parameters (pass.parameter to value text), including each pass's <c>enabled</c> flag.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Metrics by name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Provider requested and used.</summary>
    public ProviderUsage? Provider { get; init; }

    /// <summary>Stable error code, when not ok.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Why it failed, when not ok.</summary>
    public string? Error { get; init; }

    /// <summary>The candidate's content hash.</summary>
    public string? CandidateHash { get; init; }

    /// <summary>The trial it promotes or re-evaluates.</summary>
    public string? PromotedFrom { get; init; }

    /// <summary>Seconds spent building the candidate.</summary>
    public double BuildSeconds { get; init; }

    /// <summary>Seconds spent scoring and timing it.</summary>
    public double EvaluateSeconds { get; init; }
}

/// <summary>A trial that did not end ok.</summary>
public sealed record ReportFailure
{
    /// <summary>The trial.</summary>
    public required string TrialId { get; init; }

    /// <summary><c>failed</c> or <c>invalid</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Stable error code.</summary>
    public required string Code { get; init; }

    /// <summary>The reason.</summary>
    public required string Message { get; init; }

    /// <summary>Passes of the configuration.</summary>
    public IReadOnlyList<string> Passes { get; init; } = [];
}

/// <summary>The latency-vs-quality scatter: one point per evaluated configuration.</summary>
public sealed record ReportPareto
{
    /// <summary>X axis metric (latency, lower is better).</summary>
    public required string XMetric { get; init; }

    /// <summary>Y axis metric (quality, higher is better).</summary>
    public required string YMetric { get; init; }

    /// <summary>Marker size metric (model size, lower is better).</summary>
    public required string SizeMetric { get; init; }

    /// <summary>One point per distinct configuration that produced metrics, at its largest measured resource.</summary>
    public IReadOnlyList<ParetoPointView> Points { get; init; } = [];
}

/// <summary>One configuration on the scatter.</summary>
public sealed record ParetoPointView
{
    /// <summary>The trial whose measurement is plotted (the highest resource, a final re-evaluation first).</summary>
    public required string TrialId { get; init; }

    /// <summary>Passes of the configuration.</summary>
    public IReadOnlyList<string> Passes { get; init; } = [];

    /// <summary>Latency.</summary>
    public double X { get; init; }

    /// <summary>Quality.</summary>
    public double Y { get; init; }

    /// <summary>Model size in bytes.</summary>
    public double Size { get; init; }

    /// <summary>Resource of the plotted measurement.</summary>
    public double Resource { get; init; }

    /// <summary>True when another point is at least as good on latency, quality and size and better on one.</summary>
    public bool Dominated { get; init; }

    /// <summary>True for the chosen model's configuration.</summary>
    public bool Chosen { get; init; }
}

/// <summary>The search's shape: brackets, rungs, promotions.</summary>
public sealed record ReportHyperband
{
    /// <summary>Reduction factor.</summary>
    public int Eta { get; init; }

    /// <summary>Maximum resource R.</summary>
    public int MaxResource { get; init; }

    /// <summary>Brackets in the order run (largest s first).</summary>
    public IReadOnlyList<BracketView> Brackets { get; init; } = [];

    /// <summary>The final full-budget re-evaluations.</summary>
    public IReadOnlyList<string> Finals { get; init; } = [];
}

/// <summary>One bracket.</summary>
public sealed record BracketView
{
    /// <summary>Bracket index s.</summary>
    public int Bracket { get; init; }

    /// <summary>Its rungs, lowest first.</summary>
    public IReadOnlyList<RungView> Rungs { get; init; } = [];
}

/// <summary>One rung of one bracket.</summary>
public sealed record RungView
{
    /// <summary>Rung index.</summary>
    public int Rung { get; init; }

    /// <summary>Resource per trial.</summary>
    public double Resource { get; init; }

    /// <summary>Resource spent: the sum over its trials.</summary>
    public double Budget { get; init; }

    /// <summary>Trials run at this rung.</summary>
    public IReadOnlyList<string> Trials { get; init; } = [];

    /// <summary>Trials of this rung promoted to the next rung (or to the final evaluation).</summary>
    public IReadOnlyList<string> Promoted { get; init; } = [];
}

/// <summary>
/// What one pass contributed: median over ok trials with the pass on minus the median with it off, of the trial's
/// latency and size relative to the baseline (ratio − 1) and of its quality minus the baseline's. An effect is null
/// when either side has no trials or when its 95 % bootstrap interval includes zero (within noise).
/// </summary>
public sealed record PassEffect
{
    /// <summary>The pass.</summary>
    public required string Pass { get; init; }

    /// <summary>Ok trials with the pass on.</summary>
    public int TrialsOn { get; init; }

    /// <summary>Ok trials with the pass off.</summary>
    public int TrialsOff { get; init; }

    /// <summary>Median relative latency change with the pass on minus off (−0.2 = 20 points faster), when both sides have trials.</summary>
    public double? LatencyChange { get; init; }

    /// <summary>Median relative size change, on minus off.</summary>
    public double? SizeChange { get; init; }

    /// <summary>Median quality change vs baseline (absolute), on minus off.</summary>
    public double? QualityChange { get; init; }
}

/// <summary>The serving choice and the curve it came from.</summary>
public sealed record ReportServing
{
    /// <summary>The curve.</summary>
    public IReadOnlyList<ThroughputPoint> Batches { get; init; } = [];

    /// <summary>Triton's <c>max_batch_size</c> (0 when the model has a fixed batch dimension).</summary>
    public int MaxBatchSize { get; init; }

    /// <summary>Triton's dynamic batching <c>preferred_batch_size</c> list.</summary>
    public IReadOnlyList<int> PreferredBatchSizes { get; init; } = [];

    /// <summary>The rule that chose them, in words.</summary>
    public required string Rule { get; init; }
}
