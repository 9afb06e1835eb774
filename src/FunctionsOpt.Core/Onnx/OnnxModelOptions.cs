using System.ComponentModel.DataAnnotations;

namespace FunctionsOpt.Core.Onnx;

/// <summary>Limits applied when a model is read. Bound from configuration section <see cref="SectionName"/>.</summary>
public sealed class OnnxModelOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "FunctionsOpt:Model";

    /// <summary>Largest model file accepted, in bytes. Default 2 GiB (the protobuf limit for a single file).</summary>
    [Range(1, long.MaxValue)]
    public long MaxModelBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Oldest IR version accepted. Default 3 (ONNX 1.0 era models still load in ORT).</summary>
    [Range(1, 100)]
    public long MinIrVersion { get; set; } = 3;

    /// <summary>Newest IR version accepted. Default 11: the newest OnnxSharp 0.3.2 edits and ORT 1.31 runs.</summary>
    [Range(1, 100)]
    public long MaxIrVersion { get; set; } = 11;
}
