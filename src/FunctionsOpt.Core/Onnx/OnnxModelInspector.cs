using System.Globalization;
using FunctionsOpt.Core.Errors;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Onnx;

/// <summary>
/// Reads an ONNX file with OnnxSharp and reports what it holds. Performs the checks that need only the protobuf
/// (format, size, IR version, graph shape, external-data safety); <see cref="OnnxModelValidator"/> adds the ORT load.
/// Thread-safe and stateless.
/// </summary>
public sealed class OnnxModelInspector
{
    private readonly OnnxModelOptions _options;

    /// <summary>Creates an inspector with the given limits.</summary>
    public OnnxModelInspector(OnnxModelOptions? options = null)
    {
        _options = options ?? new OnnxModelOptions();
    }

    /// <summary>Loads and inspects the model at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidModelException">The file is missing, too large, not ONNX, unsupported or unsafe.</exception>
    public ModelInspection Inspect(string path)
    {
        var model = Load(path, out var fileBytes);
        return Describe(model, path, fileBytes);
    }

    /// <summary>Loads the model protobuf after the size, format, IR and external-data checks.</summary>
    /// <exception cref="InvalidModelException">Any check fails.</exception>
    public ModelProto Load(string path, out long fileBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidModelException(InvalidModelReason.NotFound, $"Model file '{info.Name}' does not exist. Check the path or blob name.");
        }

        fileBytes = info.Length;
        if (info.Length > _options.MaxModelBytes)
        {
            throw new InvalidModelException(
                InvalidModelReason.TooLarge,
                $"Model file '{info.Name}' is {info.Length} bytes, over the limit of {_options.MaxModelBytes} bytes. " +
                $"Store large weights as ONNX external data or raise {OnnxModelOptions.SectionName}:{nameof(OnnxModelOptions.MaxModelBytes)}.");
        }

        var model = Parse(File.ReadAllBytes(path), info.Name);
        CheckExternalData(model, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return model;
    }

    /// <summary>Parses model bytes and checks the format, IR version and graph structure.</summary>
    /// <exception cref="InvalidModelException">The bytes are not a usable ONNX model.</exception>
    public ModelProto Parse(byte[] bytes, string displayName)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.LongLength > _options.MaxModelBytes)
        {
            throw new InvalidModelException(
                InvalidModelReason.TooLarge,
                $"Model '{displayName}' is {bytes.LongLength} bytes, over the limit of {_options.MaxModelBytes} bytes.");
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw NotOnnx(displayName, $"the protobuf could not be decoded ({ex.Message})", ex);
        }

        // Protobuf decodes many arbitrary byte strings without complaint; a real model always has an IR version,
        // an opset import and a graph with outputs, so their absence means the file is not ONNX.
        if (model.IrVersion <= 0 || model.Graph is null || model.OpsetImport.Count == 0)
        {
            throw NotOnnx(displayName, "it has no IR version, opset import or graph");
        }

        if (model.IrVersion < _options.MinIrVersion || model.IrVersion > _options.MaxIrVersion)
        {
            throw new InvalidModelException(
                InvalidModelReason.UnsupportedIrVersion,
                $"Model '{displayName}' has IR version {model.IrVersion}; supported are {_options.MinIrVersion} to {_options.MaxIrVersion}. " +
                "Re-export it with a matching onnx package (onnx.version_converter or an older exporter).");
        }

        if (model.Graph.Output.Count == 0)
        {
            throw new InvalidModelException(InvalidModelReason.InvalidGraph, $"Model '{displayName}' has a graph with no outputs; export it with its outputs declared.");
        }

        return model;
    }

    /// <summary>Describes a parsed model.</summary>
    public static ModelInspection Describe(ModelProto model, string path, long fileBytes)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        var initializerNames = new HashSet<string>(graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);

        var histogram = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeCount = CountNodes(graph, histogram);

        long parameters = 0;
        long bytes = 0;
        var external = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer)
        {
            var count = ElementCount(tensor);
            parameters += count;
            bytes += TensorBytes(tensor, count);
            if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            {
                var location = ExternalEntry(tensor, "location");
                if (location is not null)
                {
                    external.Add(location);
                }
            }
        }

        return new ModelInspection
        {
            Path = path,
            IrVersion = model.IrVersion,
            Opsets = model.OpsetImport
                .GroupBy(o => o.Domain ?? string.Empty, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Max(o => o.Version), StringComparer.Ordinal),
            Producer = string.IsNullOrEmpty(model.ProducerVersion) ? model.ProducerName : $"{model.ProducerName} {model.ProducerVersion}",
            Inputs = graph.Input.Where(i => !initializerNames.Contains(i.Name)).Select(ToTensorInfo).ToList(),
            Outputs = graph.Output.Select(ToTensorInfo).ToList(),
            OperatorHistogram = histogram
                .OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            NodeCount = nodeCount,
            ParameterCount = parameters,
            InitializerBytes = bytes,
            InitializerCount = graph.Initializer.Count,
            ExternalDataFiles = external.ToList(),
            FileBytes = fileBytes,
        };
    }

    /// <summary>Converts a graph value to <see cref="TensorInfo"/> (non-tensor values get <see cref="TensorElementKind.Undefined"/>).</summary>
    public static TensorInfo ToTensorInfo(ValueInfoProto value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var tensorType = value.Type?.TensorType;
        if (tensorType is null)
        {
            return new TensorInfo(value.Name, TensorElementKind.Undefined, null);
        }

        IReadOnlyList<TensorDimension>? shape = null;
        if (tensorType.Shape is not null)
        {
            shape = tensorType.Shape.Dim.Select(d =>
                d.HasDimValue ? TensorDimension.Fixed(d.DimValue)
                : d.HasDimParam && !string.IsNullOrEmpty(d.DimParam) ? TensorDimension.Symbolic(d.DimParam)
                : new TensorDimension(null, null)).ToList();
        }

        return new TensorInfo(value.Name, (TensorElementKind)tensorType.ElemType, shape);
    }

    /// <summary>
    /// The distinct external-data locations the model's tensors name (relative to the model's folder), in first-use
    /// order, unchecked: callers that fetch them must refuse unsafe names themselves.
    /// </summary>
    public static IReadOnlyList<string> ExternalDataLocations(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return AllTensors(model.Graph)
            .Where(t => t.DataLocation == TensorProto.Types.DataLocation.External)
            .Select(t => ExternalEntry(t, "location"))
            .OfType<string>()
            .Where(l => l.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private void CheckExternalData(ModelProto model, string modelFolder)
    {
        var root = modelFolder.EndsWith(Path.DirectorySeparatorChar) ? modelFolder : modelFolder + Path.DirectorySeparatorChar;
        foreach (var tensor in AllTensors(model.Graph))
        {
            if (tensor.DataLocation != TensorProto.Types.DataLocation.External)
            {
                continue;
            }

            var location = ExternalEntry(tensor, "location");
            if (string.IsNullOrEmpty(location))
            {
                throw new InvalidModelException(
                    InvalidModelReason.UnsafeExternalData,
                    $"Initializer '{tensor.Name}' is marked as external data but names no location. Re-save the model with onnx.save_model(..., save_as_external_data=True).");
            }

            var full = Path.GetFullPath(Path.Combine(root, location));
            if (Path.IsPathRooted(location) || !full.StartsWith(root, StringComparison.Ordinal))
            {
                throw new InvalidModelException(
                    InvalidModelReason.UnsafeExternalData,
                    $"Initializer '{tensor.Name}' points to external data '{location}', which is outside the model's folder. " +
                    "External data files must sit next to the model (a relative path without '..').");
            }

            var file = new FileInfo(full);
            if (!file.Exists)
            {
                throw new InvalidModelException(
                    InvalidModelReason.UnsafeExternalData,
                    $"Initializer '{tensor.Name}' needs external data file '{location}', which is missing. Upload it next to the model.");
            }

            var offset = ParseLong(ExternalEntry(tensor, "offset")) ?? 0;
            var length = ParseLong(ExternalEntry(tensor, "length")) ?? (file.Length - offset);
            if (offset < 0 || length < 0 || offset + length > file.Length)
            {
                throw new InvalidModelException(
                    InvalidModelReason.UnsafeExternalData,
                    $"Initializer '{tensor.Name}' reads bytes [{offset}, {offset + length}) of '{location}', but the file has {file.Length} bytes. The external data file is truncated or does not belong to this model.");
            }

            if (file.Length > _options.MaxModelBytes)
            {
                throw new InvalidModelException(
                    InvalidModelReason.TooLarge,
                    $"External data file '{location}' is {file.Length} bytes, over the limit of {_options.MaxModelBytes} bytes.");
            }
        }
    }

    private static IEnumerable<TensorProto> AllTensors(GraphProto graph)
    {
        foreach (var t in graph.Initializer)
        {
            yield return t;
        }

        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.T is not null)
                {
                    yield return attribute.T;
                }

                foreach (var sub in Subgraphs(attribute))
                {
                    foreach (var t in AllTensors(sub))
                    {
                        yield return t;
                    }
                }
            }
        }
    }

    private static IEnumerable<GraphProto> Subgraphs(AttributeProto attribute)
    {
        if (attribute.G is not null)
        {
            yield return attribute.G;
        }

        foreach (var g in attribute.Graphs)
        {
            yield return g;
        }
    }

    private static int CountNodes(GraphProto graph, Dictionary<string, int> histogram)
    {
        var count = 0;
        foreach (var node in graph.Node)
        {
            count++;
            var key = string.IsNullOrEmpty(node.Domain) || node.Domain == "ai.onnx" ? node.OpType : $"{node.Domain}:{node.OpType}";
            histogram[key] = histogram.GetValueOrDefault(key) + 1;
            foreach (var attribute in node.Attribute)
            {
                foreach (var sub in Subgraphs(attribute))
                {
                    count += CountNodes(sub, histogram);
                }
            }
        }

        return count;
    }

    private static long ElementCount(TensorProto tensor)
    {
        long count = 1;
        foreach (var d in tensor.Dims)
        {
            count *= d;
        }

        return count;
    }

    private static long TensorBytes(TensorProto tensor, long count)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            var length = ParseLong(ExternalEntry(tensor, "length"));
            if (length is not null)
            {
                return length.Value;
            }
        }

        if (!tensor.RawData.IsEmpty)
        {
            return tensor.RawData.Length;
        }

        var size = ((TensorElementKind)tensor.DataType).SizeInBytes();
        return size > 0 ? count * size : tensor.StringData.Sum(s => (long)s.Length);
    }

    private static string? ExternalEntry(TensorProto tensor, string key) =>
        tensor.ExternalData.FirstOrDefault(e => string.Equals(e.Key, key, StringComparison.Ordinal))?.Value;

    private static long? ParseLong(string? text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static InvalidModelException NotOnnx(string name, string why, Exception? inner = null) =>
        new(InvalidModelReason.NotOnnx,
            $"'{name}' is not a valid ONNX model: {why}. The file may be truncated or in another format; export it with torch.onnx.export, tf2onnx or skl2onnx and upload the .onnx file.",
            inner);
}
