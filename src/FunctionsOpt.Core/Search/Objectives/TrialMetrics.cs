using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Core.Search.Objectives;

/// <summary>Builds the search's metric record from the evaluation engine's results.</summary>
public static class TrialMetrics
{
    /// <summary>
    /// A succeeded <see cref="TrialResult"/> holding every metric the evaluation and profile carry, named as in
    /// <see cref="MetricNames"/>; the sample count is the evaluation's row count.
    /// </summary>
    public static TrialResult FromEvaluation(int trialId, EvaluationResult? evaluation, PerformanceProfile? profile)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (evaluation?.Classification is { } c)
        {
            metrics[MetricNames.Accuracy] = c.Accuracy;
            metrics[MetricNames.F1Macro] = c.MacroAverage.F1;
            if (c.Auc.Value is { } auc)
            {
                metrics[MetricNames.Auc] = auc;
            }
        }

        if (evaluation?.Fidelity is { } f)
        {
            metrics[MetricNames.FidelityTop1] = f.Top1Agreement;
            metrics[MetricNames.FidelityCosine] = f.MeanCosineSimilarity;
            metrics[MetricNames.FidelityRelativeRms] = f.RelativeRms;
        }

        if (profile is not null)
        {
            metrics[MetricNames.SizeBytes] = profile.ModelBytes;
            metrics[MetricNames.CompressedSizeBytes] = profile.GzipBytes;
            if (profile.Memory is { } m)
            {
                metrics[MetricNames.PeakMemoryBytes] = m.ModelPeakBytes;
            }

            foreach (var b in profile.Batches)
            {
                metrics[MetricNames.LatencyP50Ms(b.BatchSize)] = b.P50Ms;
                metrics[MetricNames.LatencyP95Ms(b.BatchSize)] = b.P95Ms;
                metrics[MetricNames.Throughput(b.BatchSize)] = b.ThroughputPerSecond;
            }
        }

        return new TrialResult { TrialId = trialId, Metrics = metrics, SampleCount = evaluation?.SampleCount ?? 0 };
    }
}
