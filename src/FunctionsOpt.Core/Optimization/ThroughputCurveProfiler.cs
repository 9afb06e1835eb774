using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Core.Optimization;

/// <summary>
/// Times one model over a range of batch sizes (the throughput curve a serving configuration is chosen from), behind
/// the shared <see cref="MeasurementGate"/> like every other timing. Batch sizes the model cannot take (a fixed batch
/// dimension) are reported as skipped by the profiler. Thread-safe.
/// </summary>
public sealed class ThroughputCurveProfiler
{
    /// <summary>Timed runs per batch size (fewer when <see cref="MaxSecondsPerBatchSize"/> runs out).</summary>
    public const int TimedRuns = 30;

    /// <summary>Wall-time cap per batch size, in seconds.</summary>
    public const double MaxSecondsPerBatchSize = 2;

    private readonly PerformanceProfiler _profiler;
    private readonly MeasurementGate _gate;

    /// <summary>Creates the profiler.</summary>
    public ThroughputCurveProfiler(InferenceSessionFactory sessions, MeasurementGate gate)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(gate);
        _profiler = new PerformanceProfiler(sessions);
        _gate = gate;
    }

    /// <summary>Powers of two from 1 to 64.</summary>
    public static IReadOnlyList<int> DefaultBatchSizes { get; } = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>Times <paramref name="modelPath"/> at each batch size on rows of <paramref name="rows"/>.</summary>
    public async Task<PerformanceProfile> MeasureAsync(
        string modelPath, EvaluationDataset rows, TrialSettings settings, IReadOnlyList<int>? batchSizes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new ProfileOptions
        {
            WarmupRuns = settings.WarmupRuns,
            TimedRuns = TimedRuns,
            MinTimedRuns = 5,
            MaxSecondsPerBatchSize = Math.Min(settings.MaxLatencySeconds, MaxSecondsPerBatchSize),
            BatchSizes = batchSizes ?? DefaultBatchSizes,
            Seed = unchecked((int)settings.Seed),
        };
        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            return _profiler.Profile(modelPath, settings.Session, options, rows, cancellationToken);
        }
    }
}
