using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Passes;

/// <summary>Helpers shared by the pass implementations: records, attributes, opsets, initializer bookkeeping.</summary>
internal static class PassSupport
{
    /// <summary>Every declared parameter with its resolved value (explicit or default), canonical form, in name order.</summary>
    public static IReadOnlyDictionary<string, string> ResolvedParameters(IModelPass pass, PassParameters parameters)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in pass.Parameters)
        {
            result[definition.Name] = parameters.Get(pass, definition.Name).Canonical;
        }

        return result;
    }

    /// <summary>
    /// The common opening of <see cref="IModelPass.Apply"/>: checks the model has a graph and every parameter is
    /// declared, and returns the copy the pass edits (the input is never modified).
    /// </summary>
    /// <exception cref="PassNotApplicableException">The model has no graph.</exception>
    /// <exception cref="InvalidPassConfigurationException">A parameter is not declared by the pass.</exception>
    public static ModelProto Open(IModelPass pass, ModelProto model, PassParameters parameters)
    {
        EnsureGraph(pass, model);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.EnsureKnown(pass);
        return model.Clone();
    }

    /// <summary>
    /// The common closing: the record with every resolved parameter and the initializer bytes before and after,
    /// measured the one way records measure them (<see cref="InitializerBytes"/>).
    /// </summary>
    public static PassOutput Close(
        IModelPass pass, PassParameters parameters, ModelProto input, ModelProto output, int touched,
        IReadOnlyList<string>? skipped = null, IReadOnlyList<string>? notes = null, IReadOnlyList<OpCoverage>? coverage = null) =>
        new(output, new PassRecord
        {
            Pass = pass.Name,
            Parameters = ResolvedParameters(pass, parameters),
            NodesTouched = touched,
            InitializerBytesBefore = InitializerBytes(input),
            InitializerBytesAfter = InitializerBytes(output),
            Skipped = skipped ?? [],
            Notes = notes ?? [],
            Coverage = coverage ?? [],
        });

    /// <summary>Bytes of initializer data held inline (raw or typed fields): the one measure every record uses.</summary>
    public static long InitializerBytes(ModelProto model)
    {
        long total = 0;
        foreach (var tensor in model.Graph.Initializer)
        {
            total += TensorBytes(tensor);
        }

        return total;
    }

    /// <summary>Bytes of one initializer's data.</summary>
    public static long TensorBytes(TensorProto tensor)
    {
        if (!tensor.RawData.IsEmpty)
        {
            return tensor.RawData.Length;
        }

        var size = ((TensorElementKind)tensor.DataType).SizeInBytes();
        return size > 0 ? TensorData.ElementCount(tensor) * size : tensor.StringData.Sum(s => (long)s.Length);
    }

    /// <summary>The ai.onnx opset version, or 0.</summary>
    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();

    /// <summary>Sets the ai.onnx opset version (adding the import if missing).</summary>
    public static void SetDefaultOpset(ModelProto model, long version)
    {
        var imports = model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx").ToList();
        if (imports.Count == 0)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = version });
            return;
        }

        foreach (var import in imports)
        {
            import.Version = version;
        }
    }

    /// <summary>Adds an opset import for <paramref name="domain"/> when missing.</summary>
    public static void EnsureOpset(ModelProto model, string domain, long version)
    {
        if (!model.OpsetImport.Any(o => o.Domain == domain))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }
    }

    /// <summary>True for nodes of the ai.onnx domain.</summary>
    public static bool IsDefaultDomain(NodeProto node) => string.IsNullOrEmpty(node.Domain) || node.Domain == "ai.onnx";

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>Removes the attribute if present; true when it was.</summary>
    public static bool RemoveAttribute(NodeProto node, string name)
    {
        var attribute = Attribute(node, name);
        return attribute is not null && node.Attribute.Remove(attribute);
    }

    /// <summary>Sets (replacing) an integer attribute.</summary>
    public static void SetInt(NodeProto node, string name, long value)
    {
        RemoveAttribute(node, name);
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
    }

    /// <summary>Sets (replacing) a float attribute.</summary>
    public static void SetFloat(NodeProto node, string name, float value)
    {
        RemoveAttribute(node, name);
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });
    }

    /// <summary>Sets (replacing) a string attribute.</summary>
    public static void SetString(NodeProto node, string name, string value)
    {
        RemoveAttribute(node, name);
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });
    }

    /// <summary>A new node.</summary>
    public static NodeProto Node(string op, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "")
    {
        var node = new NodeProto { OpType = op, Name = name, Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    /// <summary>True when any node holds a subgraph (If, Loop, Scan).</summary>
    public static NodeProto? FirstNodeWithSubgraph(GraphProto graph) =>
        graph.Node.FirstOrDefault(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0));

    /// <summary>The declared element type of a graph input, output or value_info entry, or Undefined.</summary>
    public static TensorElementKind DeclaredType(GraphProto graph, string value)
    {
        var info = graph.Input.FirstOrDefault(v => v.Name == value)
            ?? graph.ValueInfo.FirstOrDefault(v => v.Name == value)
            ?? graph.Output.FirstOrDefault(v => v.Name == value);
        if (info?.Type?.TensorType is { } tensorType)
        {
            return (TensorElementKind)tensorType.ElemType;
        }

        var initializer = graph.Initializer.FirstOrDefault(t => t.Name == value);
        return initializer is null ? TensorElementKind.Undefined : (TensorElementKind)initializer.DataType;
    }

    /// <summary>The declared rank of a value (graph input, output, value_info or initializer), or null.</summary>
    public static int? DeclaredRank(GraphProto graph, string value)
    {
        var info = graph.Input.FirstOrDefault(v => v.Name == value)
            ?? graph.ValueInfo.FirstOrDefault(v => v.Name == value)
            ?? graph.Output.FirstOrDefault(v => v.Name == value);
        if (info?.Type?.TensorType?.Shape is { } shape)
        {
            return shape.Dim.Count;
        }

        var initializer = graph.Initializer.FirstOrDefault(t => t.Name == value);
        return initializer?.Dims.Count;
    }

    /// <summary>
    /// Removes initializers named in <paramref name="candidates"/> that no node or graph output reads any more (and
    /// their graph-input entries, for IR &lt; 4 models that list initializers as inputs).
    /// </summary>
    public static int RemoveUnusedInitializers(GraphProto graph, IEnumerable<string> candidates)
    {
        var used = new HashSet<string>(graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        used.UnionWith(graph.Output.Select(o => o.Name));
        used.UnionWith(graph.Node.SelectMany(n => n.Attribute).Where(a => a.G is not null).SelectMany(a => a.G.Node).SelectMany(n => n.Input));
        var removed = 0;
        foreach (var name in candidates.Distinct(StringComparer.Ordinal).Where(c => !used.Contains(c)).ToList())
        {
            foreach (var tensor in graph.Initializer.Where(t => t.Name == name).ToList())
            {
                graph.Initializer.Remove(tensor);
                removed++;
            }

            foreach (var input in graph.Input.Where(i => i.Name == name).ToList())
            {
                graph.Input.Remove(input);
            }
        }

        return removed;
    }

    /// <summary>Drops value_info entries for names no longer produced by any node.</summary>
    public static void RemoveStaleValueInfo(GraphProto graph)
    {
        var produced = new HashSet<string>(graph.Node.SelectMany(n => n.Output), StringComparer.Ordinal);
        foreach (var info in graph.ValueInfo.Where(v => !produced.Contains(v.Name)).ToList())
        {
            graph.ValueInfo.Remove(info);
        }
    }

    /// <summary>Throws when <paramref name="model"/> has no graph.</summary>
    public static void EnsureGraph(IModelPass pass, ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null)
        {
            throw new PassNotApplicableException(pass.Name, $"Pass '{pass.Name}' needs a model with a graph.");
        }
    }

    /// <summary>Reads an inline float tensor; external data is a clear error for rewriting passes.</summary>
    public static float[] Floats(TensorProto tensor) => TensorData.ReadFloats(tensor);
}
