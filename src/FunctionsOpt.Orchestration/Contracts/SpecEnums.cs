using System.Text.Json.Serialization;
using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>How the evaluation data is stored.</summary>
public enum DatasetFormat
{
    /// <summary>A CSV file with a header row.</summary>
    Csv,

    /// <summary>A dataset manifest (JSON) naming .npy/.npz or CSV files.</summary>
    Manifest,

    /// <summary>One NumPy <c>.npy</c> array feeding the model's single input (or <c>input</c>); no labels.</summary>
    Npy,

    /// <summary>A NumPy <c>.npz</c> archive: entries named after model inputs, labels (if any) in <c>labels</c>.</summary>
    Npz,
}

/// <summary>What the evaluation measures.</summary>
public enum EvaluationTask
{
    /// <summary>Labels are classes; accuracy, F1 and AUC are available.</summary>
    Classification,

    /// <summary>Labels are numbers; R² is available.</summary>
    Regression,

    /// <summary>No labels: candidates are compared with the baseline model's outputs.</summary>
    Fidelity,
}

/// <summary>What to do with CSV rows that have missing values.</summary>
public enum MissingValueHandling
{
    /// <summary>Fail and list them.</summary>
    Error,

    /// <summary>Drop those rows.</summary>
    DropRows,
}

/// <summary>How a classifier's score output is to be read.</summary>
public enum SpecScoreKind
{
    /// <summary>Decide from the values.</summary>
    Auto,

    /// <summary>Probabilities in [0,1].</summary>
    Probabilities,

    /// <summary>Unnormalized scores.</summary>
    Logits,
}

/// <summary>Metrics a search can optimize.</summary>
public enum ObjectiveMetric
{
    /// <summary>Median latency per batch (minimized).</summary>
    LatencyP50,

    /// <summary>95th-percentile latency per batch (minimized).</summary>
    LatencyP95,

    /// <summary>Samples per second (maximized).</summary>
    Throughput,

    /// <summary>Model file size (minimized).</summary>
    SizeBytes,

    /// <summary>Size after general-purpose compression, as shipped (minimized).</summary>
    CompressedSizeBytes,

    /// <summary>Peak resident memory of a session running the model (minimized).</summary>
    PeakMemoryBytes,
}

/// <summary>Whether lower or higher is better.</summary>
public enum OptimizationDirection
{
    /// <summary>Lower is better.</summary>
    Minimize,

    /// <summary>Higher is better.</summary>
    Maximize,
}

/// <summary>Quality metrics a constraint can bound (higher is better for each).</summary>
public enum QualityMetric
{
    /// <summary>Classification accuracy.</summary>
    Accuracy,

    /// <summary>Macro-averaged F1 (classification).</summary>
    F1,

    /// <summary>ROC AUC (classification).</summary>
    Auc,

    /// <summary>Coefficient of determination (regression).</summary>
    R2,

    /// <summary>Agreement with the baseline model's outputs (any task; the baseline scores 1).</summary>
    Fidelity,

    /// <summary>Mean cosine similarity of each sample's output with the baseline's (any task; the baseline scores 1).</summary>
    Cosine,
}

/// <summary>How a drop is measured.</summary>
public enum DropMode
{
    /// <summary>baseline − candidate.</summary>
    Absolute,

    /// <summary>(baseline − candidate) ÷ baseline.</summary>
    Relative,
}

/// <summary>Search schedulers.</summary>
public enum SearchScheduler
{
    /// <summary>Hyperband: several successive-halving brackets.</summary>
    Hyperband,

    /// <summary>Asynchronous successive halving.</summary>
    Asha,

    /// <summary>One successive-halving bracket.</summary>
    SuccessiveHalving,

    /// <summary>Random configurations at the full resource.</summary>
    Random,

    /// <summary>Every configuration of the space at the full resource.</summary>
    Grid,
}

/// <summary>Execution providers, as specs spell them: <c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>.</summary>
public enum ProviderName
{
    /// <summary>The CPU provider.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA.</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT.</summary>
    [JsonStringEnumMemberName("tensorrt")]
    TensorRT,
}

/// <summary>Conversions between contract enums and the engine's.</summary>
public static class ContractEnumExtensions
{
    /// <summary>The engine's provider.</summary>
    public static ExecutionProvider ToExecutionProvider(this ProviderName provider) => provider switch
    {
        ProviderName.Cpu => ExecutionProvider.Cpu,
        ProviderName.Cuda => ExecutionProvider.Cuda,
        ProviderName.TensorRT => ExecutionProvider.TensorRT,
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>The direction in which <paramref name="metric"/> improves.</summary>
    public static OptimizationDirection NaturalDirection(this ObjectiveMetric metric) =>
        metric == ObjectiveMetric.Throughput ? OptimizationDirection.Maximize : OptimizationDirection.Minimize;
}
