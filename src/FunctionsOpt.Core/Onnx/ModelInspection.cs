namespace FunctionsOpt.Core.Onnx;

/// <summary>What a model is made of, read from its protobuf without running it.</summary>
public sealed record ModelInspection
{
    /// <summary>Path the model was read from (empty for in-memory bytes).</summary>
    public required string Path { get; init; }

    /// <summary>ONNX IR version.</summary>
    public required long IrVersion { get; init; }

    /// <summary>Opset imports: domain ("" = ai.onnx) to version.</summary>
    public required IReadOnlyDictionary<string, long> Opsets { get; init; }

    /// <summary>Producer name and version, as written by the exporter.</summary>
    public required string Producer { get; init; }

    /// <summary>Graph inputs that are not initializers (what a caller must feed).</summary>
    public required IReadOnlyList<TensorInfo> Inputs { get; init; }

    /// <summary>Graph outputs.</summary>
    public required IReadOnlyList<TensorInfo> Outputs { get; init; }

    /// <summary>Node count per operator type ("domain:Op" outside the default domain), most frequent first.</summary>
    public required IReadOnlyDictionary<string, int> OperatorHistogram { get; init; }

    /// <summary>Total node count (main graph and subgraphs).</summary>
    public required int NodeCount { get; init; }

    /// <summary>Number of scalar parameters across all initializers.</summary>
    public required long ParameterCount { get; init; }

    /// <summary>Bytes of initializer data (inline and external).</summary>
    public required long InitializerBytes { get; init; }

    /// <summary>Initializer count.</summary>
    public required int InitializerCount { get; init; }

    /// <summary>External-data files referenced by initializers (relative locations, distinct).</summary>
    public required IReadOnlyList<string> ExternalDataFiles { get; init; }

    /// <summary>Size of the model file itself in bytes.</summary>
    public required long FileBytes { get; init; }

    /// <summary>The opset of the default (ai.onnx) domain, or 0 when not imported.</summary>
    public long DefaultOpset => Opsets.TryGetValue(string.Empty, out var v) ? v : Opsets.TryGetValue("ai.onnx", out var w) ? w : 0;
}
