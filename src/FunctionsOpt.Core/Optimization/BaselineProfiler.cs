using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;

namespace FunctionsOpt.Core.Optimization;

/// <summary>The unmodified model's measurements and outputs.</summary>
/// <param name="Result">Its metrics, named like a trial's (fidelity to itself is 1).</param>
/// <param name="Evaluation">The evaluation rows with the baseline's outputs attached as reference outputs.</param>
/// <param name="Provider">The provider requested and used.</param>
public sealed record BaselineMeasurement(TrialResult Result, EvaluationDataset Evaluation, ProviderRecord Provider)
{
    /// <summary>The timing profile behind the latency metrics (ONNX Runtime version, session settings, batches).</summary>
    public PerformanceProfile? Profile { get; init; }
}

/// <summary>
/// Measures the input model exactly as trials are measured (same scoring, same timing behind the shared
/// <see cref="MeasurementGate"/>) on the whole evaluation set, and captures its outputs as the reference every
/// candidate's fidelity is computed against. Deterministic apart from timings. Thread-safe.
/// </summary>
public sealed class BaselineProfiler
{
    /// <summary>The trial id the baseline's result carries.</summary>
    public const int BaselineTrialId = -1;

    private readonly InferenceSessionFactory _sessions;
    private readonly PerformanceProfiler _profiler;
    private readonly MeasurementGate _gate;

    /// <summary>Creates the profiler.</summary>
    public BaselineProfiler(InferenceSessionFactory sessions, MeasurementGate gate)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(gate);
        _sessions = sessions;
        _profiler = new PerformanceProfiler(sessions);
        _gate = gate;
    }

    /// <summary>
    /// <paramref name="evaluation"/> with the baseline model's outputs (of the score output) attached as reference
    /// outputs, replacing any it had. Runs the model once over the rows.
    /// </summary>
    /// <exception cref="Errors.InvalidEvaluationRequestException">The request does not fit the model or the data.</exception>
    public EvaluationDataset AttachReferenceOutputs(string modelPath, EvaluationDataset evaluation, TrialSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(settings);
        using var handle = _sessions.Create(modelPath, settings.Session);
        var outputs = new ModelRunner(handle).Run(evaluation, settings.Evaluation.BatchSize, null, cancellationToken).Outputs;
        return new EvaluationDataset(evaluation.Inputs, evaluation.Labels, evaluation.ClassNames, outputs, evaluation.Source);
    }

    /// <summary>Scores and times the model on every row, with <paramref name="latencyIterations"/> timed runs.</summary>
    public async Task<BaselineMeasurement> MeasureAsync(string modelPath, EvaluationDataset evaluation, TrialSettings settings, int latencyIterations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var withReferences = AttachReferenceOutputs(modelPath, evaluation, settings, cancellationToken);
        EvaluationResult result;
        using (var handle = _sessions.Create(modelPath, settings.Session))
        {
            result = ModelEvaluator.Evaluate(handle, withReferences, settings.Evaluation, cancellationToken: cancellationToken).Result;
        }

        var iterations = Math.Max(1, latencyIterations);
        var options = new ProfileOptions
        {
            WarmupRuns = settings.WarmupRuns,
            TimedRuns = iterations,
            MinTimedRuns = Math.Min(iterations, 5),
            MaxSecondsPerBatchSize = settings.MaxLatencySeconds,
            BatchSizes = [settings.LatencyBatchSize],
            Seed = unchecked((int)settings.Seed),
        };
        PerformanceProfile profile;
        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            profile = _profiler.Profile(modelPath, settings.Session, options, withReferences, cancellationToken);
        }

        return new BaselineMeasurement(TrialMetrics.FromEvaluation(BaselineTrialId, result, profile), withReferences, profile.Provider) { Profile = profile };
    }
}
