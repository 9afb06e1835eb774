using System.Buffers.Binary;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Passes.Graph;

/// <summary>
/// Graph clean-ups that keep the math: Identity and inference-mode Dropout bypassed, and Cast, Transpose, Reshape,
/// Squeeze and Unsqueeze over initializers computed once into new initializers. Exporters put such nodes in weight
/// paths (newer torch: Identity between a shared weight and its Conv), and every lossy pass looks for a weight that
/// is an initializer, so without this they skip those layers.
/// </summary>
internal static class InitializerFolding
{
    /// <summary>Op types folded when every input is an initializer.</summary>
    public static readonly IReadOnlySet<string> FoldableOps = new SortedSet<string>(StringComparer.Ordinal) { "Cast", "Reshape", "Squeeze", "Transpose", "Unsqueeze" };

    /// <summary>Bypasses Identity and Dropout nodes; returns how many of each were removed.</summary>
    public static (int Identity, int Dropout) RemovePassThrough(GraphProto graph, List<string> skipped)
    {
        var outputs = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var (identity, dropout) = (0, 0);
        foreach (var node in graph.Node.Where(n => PassSupport.IsDefaultDomain(n) && n.OpType is "Identity" or "Dropout").ToList())
        {
            var why = WhyKept(graph, node, outputs);
            if (why is not null)
            {
                skipped.Add($"{Display(node)} ({node.OpType}): {why}");
                continue;
            }

            Rename(graph, node.Output[0], node.Input[0]);
            graph.Node.Remove(node);
            _ = node.OpType == "Identity" ? identity++ : dropout++;
        }

        return (identity, dropout);
    }

    /// <summary>Folds nodes of <see cref="FoldableOps"/> whose inputs are all initializers; returns the count.</summary>
    public static int FoldConstants(GraphProto graph, long opset, List<string> skipped)
    {
        var folded = 0;
        var outputs = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var index = new GraphIndex(graph);
        var read = new List<string>();
        foreach (var node in graph.Node.Where(n => PassSupport.IsDefaultDomain(n) && FoldableOps.Contains(n.OpType)).ToList())
        {
            var inputs = node.Input.Where(i => i.Length > 0).ToList();
            if (inputs.Count == 0 || node.Output.Count != 1 || outputs.Contains(node.Output[0]) || !inputs.All(index.IsInitializer))
            {
                continue;
            }

            var result = TryEvaluate(node, inputs.Select(i => index.Initializer(i)!).ToList(), opset);
            if (result is null)
            {
                skipped.Add($"{Display(node)} ({node.OpType}): its initializer input has a type or layout this fold does not handle.");
                continue;
            }

            result.Name = node.Output[0];
            read.AddRange(inputs);
            graph.Node.Remove(node);
            graph.Initializer.Add(result);
            foreach (var info in graph.ValueInfo.Where(v => v.Name == result.Name).ToList())
            {
                graph.ValueInfo.Remove(info);
            }

            index = new GraphIndex(graph);
            folded++;
        }

        PassSupport.RemoveUnusedInitializers(graph, read);
        return folded;
    }

    private static string? WhyKept(GraphProto graph, NodeProto node, HashSet<string> graphOutputs)
    {
        if (node.Input.Count == 0 || node.Input[0].Length == 0 || node.Output.Count == 0)
        {
            return "no input to pass through";
        }

        if (graphOutputs.Contains(node.Output[0]))
        {
            return "its output is a graph output";
        }

        if (node.OpType == "Dropout" && node.Output.Count > 1 && node.Output[1].Length > 0
            && (graphOutputs.Contains(node.Output[1]) || graph.Node.Any(n => n.Input.Contains(node.Output[1]))))
        {
            return "its mask output is used";
        }

        return node.OpType == "Dropout" && node.Input.Count > 2 && node.Input[2].Length > 0 ? "it has a training_mode input" : null;
    }

    /// <summary>Points every reader of <paramref name="from"/> (subgraphs included) at <paramref name="to"/>.</summary>
    private static void Rename(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == from)
                {
                    node.Input[i] = to;
                }
            }

            foreach (var attribute in node.Attribute)
            {
                foreach (var sub in attribute.Graphs.Append(attribute.G).OfType<GraphProto>())
                {
                    Rename(sub, from, to);
                }
            }
        }

        foreach (var info in graph.ValueInfo.Where(v => v.Name == from).ToList())
        {
            graph.ValueInfo.Remove(info);
        }
    }

    /// <summary>The folded value, or null when the inputs are not what the op expects (left to ONNX Runtime to judge).</summary>
    private static TensorProto? TryEvaluate(NodeProto node, List<TensorProto> inputs, long opset)
    {
        try
        {
            return Evaluate(node, inputs, opset);
        }
        catch (InvalidModelException)
        {
            return null;
        }
    }

    private static TensorProto? Evaluate(NodeProto node, List<TensorProto> inputs, long opset)
    {
        var data = inputs[0];
        if (data.DataLocation == TensorProto.Types.DataLocation.External)
        {
            return null;
        }

        return node.OpType switch
        {
            "Cast" => Cast(data, GraphIndex.IntAttribute(node, "to", 0)),
            "Reshape" => Raw(data) is { } raw ? WithDims(data, raw, ReshapeDims(node, inputs, data)) : null,
            "Squeeze" => Raw(data) is { } raw ? WithDims(data, raw, SqueezeDims(data, Axes(node, inputs, opset))) : null,
            "Unsqueeze" => Raw(data) is { } raw ? WithDims(data, raw, UnsqueezeDims(data, Axes(node, inputs, opset))) : null,
            "Transpose" => Transpose(data, node),
            _ => null,
        };
    }

    private static long[]? Axes(NodeProto node, List<TensorProto> inputs, long opset)
    {
        if (opset >= 13)
        {
            return inputs.Count > 1 ? TensorData.ReadInt64s(inputs[1]) : [];
        }

        return PassSupport.Attribute(node, "axes") is { } a ? a.Ints.ToArray() : [];
    }

    private static long[]? ReshapeDims(NodeProto node, List<TensorProto> inputs, TensorProto data)
    {
        var shape = inputs.Count > 1 ? TensorData.ReadInt64s(inputs[1]) : PassSupport.Attribute(node, "shape")?.Ints.ToArray();
        if (shape is null || GraphIndex.IntAttribute(node, "allowzero", 0) != 0)
        {
            return null;
        }

        var dims = shape.Select((d, i) => d == 0 && i < data.Dims.Count ? data.Dims[i] : d).ToArray();
        var known = dims.Where(d => d != -1).Aggregate(1L, (a, b) => a * b);
        var unknown = Array.IndexOf(dims, -1L);
        if (unknown >= 0 && known > 0)
        {
            dims[unknown] = TensorData.ElementCount(data) / known;
        }

        return dims.Aggregate(1L, (a, b) => a * b) == TensorData.ElementCount(data) ? dims : null;
    }

    private static long[]? SqueezeDims(TensorProto data, long[]? axes)
    {
        var rank = data.Dims.Count;
        var drop = axes is { Length: > 0 } ? axes.Select(a => a < 0 ? a + rank : a).ToHashSet() : Enumerable.Range(0, rank).Where(i => data.Dims[i] == 1).Select(i => (long)i).ToHashSet();
        return drop.All(a => a >= 0 && a < rank && data.Dims[(int)a] == 1) ? data.Dims.Where((_, i) => !drop.Contains(i)).ToArray() : null;
    }

    private static long[]? UnsqueezeDims(TensorProto data, long[]? axes)
    {
        if (axes is null || axes.Length == 0)
        {
            return null;
        }

        var rank = data.Dims.Count + axes.Length;
        var insert = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
        var dims = new List<long>(rank);
        var source = 0;
        for (var i = 0; i < rank; i++)
        {
            dims.Add(insert.Contains(i) ? 1 : data.Dims[source++]);
        }

        return source == data.Dims.Count ? dims.ToArray() : null;
    }

    private static TensorProto? Transpose(TensorProto data, NodeProto node)
    {
        var raw = Raw(data);
        var rank = data.Dims.Count;
        var perm = PassSupport.Attribute(node, "perm")?.Ints.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (raw is null || perm.Length != rank)
        {
            return null;
        }

        var size = raw.Length / (int)Math.Max(1, TensorData.ElementCount(data));
        var inDims = data.Dims.ToArray();
        var outDims = perm.Select(p => inDims[p]).ToArray();
        var inStrides = Strides(inDims);
        var result = new byte[raw.Length];
        var count = TensorData.ElementCount(data);
        var outIndex = new long[rank];
        for (long o = 0; o < count; o++)
        {
            long source = 0;
            for (var d = 0; d < rank; d++)
            {
                source += outIndex[d] * inStrides[perm[d]];
            }

            Array.Copy(raw, source * size, result, o * size, size);
            for (var d = rank - 1; d >= 0 && ++outIndex[d] == outDims[d]; d--)
            {
                outIndex[d] = 0;
            }
        }

        return WithDims(data, result, outDims);
    }

    private static long[] Strides(long[] dims)
    {
        var strides = new long[dims.Length];
        var stride = 1L;
        for (var d = dims.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= dims[d];
        }

        return strides;
    }

    /// <summary>Float, double, int32 and int64 casts among themselves; other types are left as nodes.</summary>
    private static TensorProto? Cast(TensorProto data, long to)
    {
        var values = (TensorElementKind)data.DataType switch
        {
            TensorElementKind.Float or TensorElementKind.Double => TensorData.ReadFloats(data).Select(v => (double)v).ToArray(),
            TensorElementKind.Int64 or TensorElementKind.Int32 => TensorData.ReadInt64s(data).Select(v => (double)v).ToArray(),
            _ => null,
        };
        var dims = data.Dims.ToArray();
        return values is null ? null : (TensorElementKind)to switch
        {
            TensorElementKind.Float => TensorData.CreateFloat(string.Empty, dims, values.Select(v => (float)v).ToArray()),
            TensorElementKind.Int64 => TensorData.CreateInt64(string.Empty, dims, values.Select(v => (long)v).ToArray()),
            TensorElementKind.Int32 => TensorData.CreateInt32(string.Empty, dims, values.Select(v => (int)v).ToArray()),
            _ => null,
        };
    }

    /// <summary>Little-endian element bytes of an inline float, int32 or int64 tensor (raw or typed fields), or null.</summary>
    private static byte[]? Raw(TensorProto data)
    {
        if (!data.RawData.IsEmpty)
        {
            return data.RawData.ToByteArray();
        }

        switch ((TensorElementKind)data.DataType)
        {
            case TensorElementKind.Float:
                var floats = data.FloatData.ToArray();
                var fb = new byte[floats.Length * 4];
                Buffer.BlockCopy(floats, 0, fb, 0, fb.Length);
                return BitConverter.IsLittleEndian ? fb : null;
            case TensorElementKind.Int64:
                var longs = data.Int64Data.ToArray();
                var lb = new byte[longs.Length * 8];
                for (var i = 0; i < longs.Length; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(lb.AsSpan(i * 8), longs[i]);
                }

                return lb;
            default:
                return null;
        }
    }

    private static TensorProto? WithDims(TensorProto data, byte[] raw, long[]? dims)
    {
        if (dims is null)
        {
            return null;
        }

        var tensor = new TensorProto { DataType = data.DataType, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static string Display(NodeProto node) => string.IsNullOrEmpty(node.Name) ? node.Output[0] : node.Name;
}
