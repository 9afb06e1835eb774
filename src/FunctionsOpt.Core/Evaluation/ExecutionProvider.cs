namespace FunctionsOpt.Core.Evaluation;

/// <summary>ONNX Runtime execution providers FunctionsOpt can request.</summary>
public enum ExecutionProvider
{
    /// <summary>The default CPU provider (always available).</summary>
    Cpu,
    /// <summary>NVIDIA CUDA (needs the GPU native package and CUDA 13 libraries).</summary>
    Cuda,
    /// <summary>NVIDIA TensorRT, with CUDA for the nodes TensorRT does not take.</summary>
    TensorRT,
}

/// <summary>Graph optimization levels, as ONNX Runtime names them.</summary>
public enum GraphOptimization
{
    /// <summary>No graph rewrites.</summary>
    Disabled,
    /// <summary>Constant folding, redundant node removal (portable).</summary>
    Basic,
    /// <summary>Basic plus op fusions (portable across hardware of the same provider).</summary>
    Extended,
    /// <summary>Everything including layout rewrites (hardware specific; never saved as an artifact).</summary>
    All,
}

/// <summary>Parsing and printing of <see cref="ExecutionProvider"/> as the CLI and specs spell it.</summary>
public static class ExecutionProviderNames
{
    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>tensorrt</c> (case-insensitive).</summary>
    public static bool TryParse(string? text, out ExecutionProvider provider)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "CPU":
                provider = ExecutionProvider.Cpu;
                return true;
            case "CUDA":
                provider = ExecutionProvider.Cuda;
                return true;
            case "TENSORRT" or "TRT":
                provider = ExecutionProvider.TensorRT;
                return true;
            default:
                provider = ExecutionProvider.Cpu;
                return false;
        }
    }

    /// <summary>The lower-case name (<c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>).</summary>
    public static string ToName(this ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cpu => "cpu",
        ExecutionProvider.Cuda => "cuda",
        ExecutionProvider.TensorRT => "tensorrt",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };
}
