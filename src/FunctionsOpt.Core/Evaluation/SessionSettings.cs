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

    /// <summary>
    /// CUDA only: how cuDNN picks convolution algorithms. ORT's default (exhaustive) benchmarks every algorithm on the
    /// first run of each shape: fastest steady state, slowest first call; heuristic and default skip the benchmark.
    /// </summary>
    public CudnnConvAlgoSearch CudnnConvAlgoSearch { get; init; } = CudnnConvAlgoSearch.Exhaustive;

    /// <summary>
    /// CUDA only: capture the model as one CUDA graph and replay it, removing per-kernel launch cost. Only valid when
    /// every node runs on CUDA and shapes do not change between runs, so it is off unless a trial asks for it.
    /// </summary>
    public bool EnableCudaGraph { get; init; }

    /// <summary>CUDA only: run convolutions in NHWC layout where ORT has NHWC kernels (tensor cores prefer it).</summary>
    public bool PreferNhwc { get; init; }
}

/// <summary>cuDNN convolution algorithm search (ORT's <c>cudnn_conv_algo_search</c>).</summary>
public enum CudnnConvAlgoSearch
{
    /// <summary>Benchmark every algorithm once per shape (ORT's default).</summary>
    Exhaustive,

    /// <summary>cuDNN's heuristics, no benchmark.</summary>
    Heuristic,

    /// <summary>cuDNN's default algorithm, no search.</summary>
    Default,
}
