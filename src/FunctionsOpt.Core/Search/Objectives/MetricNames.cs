using System.Globalization;

namespace FunctionsOpt.Core.Search.Objectives;

/// <summary>The metric names objectives, constraints and <see cref="TrialMetrics"/> agree on.</summary>
public static class MetricNames
{
    /// <summary>Classification accuracy (fraction of rows).</summary>
    public const string Accuracy = "accuracy";

    /// <summary>Macro-averaged F1.</summary>
    public const string F1Macro = "f1.macro";

    /// <summary>ROC AUC (binary or one-vs-rest macro).</summary>
    public const string Auc = "auc";

    /// <summary>Top-1 agreement with the reference (baseline) model's outputs.</summary>
    public const string FidelityTop1 = "fidelity.top1";

    /// <summary>Mean cosine similarity of each sample's scored output with the baseline's (the baseline scores 1).</summary>
    public const string FidelityCosine = "fidelity.cosine";

    /// <summary>RMS of the difference from the baseline's scored output over the RMS of that output (the baseline scores 0).</summary>
    public const string FidelityRelativeRms = "fidelity.rms.relative";

    /// <summary>Model file size in bytes.</summary>
    public const string SizeBytes = "size.bytes";

    /// <summary>Gzip size of the model file in bytes.</summary>
    public const string CompressedSizeBytes = "size.gzip.bytes";

    /// <summary>Peak resident memory the model added, in bytes.</summary>
    public const string PeakMemoryBytes = "memory.peak.bytes";

    /// <summary>Median latency per run at a batch size, in milliseconds.</summary>
    public static string LatencyP50Ms(int batchSize) => "latency.p50.ms@" + batchSize.ToString(CultureInfo.InvariantCulture);

    /// <summary>95th percentile latency per run at a batch size, in milliseconds.</summary>
    public static string LatencyP95Ms(int batchSize) => "latency.p95.ms@" + batchSize.ToString(CultureInfo.InvariantCulture);

    /// <summary>Rows per second at a batch size.</summary>
    public static string Throughput(int batchSize) => "throughput@" + batchSize.ToString(CultureInfo.InvariantCulture);
}
