using System.Globalization;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>A batching choice for a server: the largest batch and the sizes the dynamic batcher should aim for.</summary>
/// <param name="MaxBatchSize">Largest batch (0: the model takes no batch dimension, so the server must not batch).</param>
/// <param name="PreferredBatchSizes">Sizes the dynamic batcher forms, ascending.</param>
/// <param name="Rule">The rule, in words, with the numbers it used.</param>
public sealed record ServingPlan(int MaxBatchSize, IReadOnlyList<int> PreferredBatchSizes, string Rule);

/// <summary>
/// Chooses batching from a measured throughput curve. Let T be the highest measured throughput, reached first at
/// batch size b_peak, and b_knee the smallest measured batch size whose throughput is at least
/// <see cref="KneeFraction"/> × T. The preferred sizes are {b_knee, b_peak}: b_knee gets most of the throughput at the
/// smallest latency, b_peak all of it; max_batch_size is b_peak, because larger batches only add latency. A model whose
/// inputs have a fixed first dimension gets max_batch_size 0 and no preferred sizes. Pure.
/// </summary>
public static class ServingBatchPolicy
{
    /// <summary>The share of peak throughput that counts as "reached".</summary>
    public const double KneeFraction = 0.9;

    /// <summary>The plan for <paramref name="curve"/>; <paramref name="dynamicBatch"/> says whether every input's first dimension is free.</summary>
    public static ServingPlan Choose(IReadOnlyList<ThroughputPoint> curve, bool dynamicBatch)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (!dynamicBatch)
        {
            return new ServingPlan(0, [], "The model's inputs have a fixed first dimension, so it takes no batch dimension: max_batch_size 0, no dynamic batching.");
        }

        var points = curve.Where(p => p.ThroughputPerSecond > 0).OrderBy(p => p.BatchSize).ToList();
        if (points.Count == 0)
        {
            return new ServingPlan(1, [1], "No throughput was measured, so batching is left at 1.");
        }

        var peak = points.Aggregate((best, p) => p.ThroughputPerSecond > best.ThroughputPerSecond ? p : best);
        var knee = points.First(p => p.ThroughputPerSecond >= KneeFraction * peak.ThroughputPerSecond);
        int[] preferred = knee.BatchSize == peak.BatchSize ? [peak.BatchSize] : [knee.BatchSize, peak.BatchSize];
        var rule = string.Create(
            CultureInfo.InvariantCulture,
            $"Peak throughput {peak.ThroughputPerSecond:F0} rows/s at batch {peak.BatchSize}; batch {knee.BatchSize} is the smallest reaching {KneeFraction:P0} of it ({knee.ThroughputPerSecond:F0} rows/s). Preferred sizes are those two, max_batch_size is the peak's (measured sizes: {string.Join(", ", points.Select(p => p.BatchSize))}).");
        return new ServingPlan(peak.BatchSize, preferred, rule);
    }

    /// <summary>Whether every input of <paramref name="model"/> has a symbolic first dimension (a batch axis).</summary>
    public static bool HasDynamicBatch(SourceModelInfo? model) =>
        model is not null && model.Inputs.Count > 0 && model.Inputs.All(i => i.Shape is { Count: > 0 } shape && shape[0] < 0);
}
