using System.ComponentModel.DataAnnotations;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// How an ONNX Runtime session is created. Bound from configuration section <see cref="SectionName"/> for hosts,
/// and set per trial by the search. A value of 0 threads means "ONNX Runtime's default".
/// </summary>
public sealed record SessionSettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "FunctionsOpt:Session";

    /// <summary>Requested provider. Default CPU.</summary>
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>
    /// When the requested provider cannot load: true falls back to CPU and records why; false (default) fails with
    /// <see cref="Errors.ProviderUnavailableException"/>. Either way the provider actually used is recorded.
    /// </summary>
    public bool AllowCpuFallback { get; init; }

    /// <summary>Graph optimization level. Default <see cref="GraphOptimization.All"/> (what serving uses).</summary>
    public GraphOptimization OptimizationLevel { get; init; } = GraphOptimization.All;

    /// <summary>Threads inside one operator (0 = ORT default: one per physical core).</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across operators in parallel mode (0 = ORT default).</summary>
    [Range(0, 1024)]
    public int InterOpThreads { get; init; }

    /// <summary>Run independent branches in parallel (ORT_PARALLEL). Default sequential.</summary>
    public bool ParallelExecution { get; init; }

    /// <summary>GPU ordinal for CUDA/TensorRT.</summary>
    [Range(0, 64)]
    public int DeviceId { get; init; }

    /// <summary>Bind inputs and outputs once for repeated runs (profiling loops). Default true.</summary>
    public bool UseIoBinding { get; init; } = true;
}
