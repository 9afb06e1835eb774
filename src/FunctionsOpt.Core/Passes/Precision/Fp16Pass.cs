using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Precision;

/// <summary>
/// Converts float32 weights and computation to float16 while the graph's inputs and outputs stay float32: Cast
/// nodes are inserted at the boundaries and around every node kept in float32. A node runs in float16 when its
/// operator is in the reviewed float16 table (<c>Fp16Operators</c>), is not blocked, and its typed inputs are
/// float32 in the original graph (integer arithmetic such as shape computations is never touched). Blocked and
/// unknown operators keep float32 and get Casts back from float16 where needed. A float32 initializer becomes
/// float16 when at least one float16 node reads it. value_info entries of converted values are re-typed.
/// On ONNX Runtime's CPU provider the result is smaller but not faster (ONNX Runtime casts internally where it has
/// no float16 kernel); measure it.
/// </summary>
public sealed class Fp16Pass : IModelPass
{
    /// <summary>The pass name.</summary>
    public const string PassName = "fp16";

    /// <summary>Parameter: <c>default</c> (keep accuracy-sensitive operators in float32) or <c>none</c>.</summary>
    public const string BlockListParameter = "block-list";

    /// <summary>Parameter: <c>none</c>, or a comma-separated list of extra operator types to keep in float32.</summary>
    public const string ExtraBlockedParameter = "extra-blocked-ops";

    /// <summary>
    /// Parameter: keep in float32 the Add/Sub/Mul/Div chain that normalizes raw graph inputs with constants (raw
    /// features such as grams near 4000 lose absolute precision in float16 before they are scaled down).
    /// </summary>
    public const string KeepInputNormalizationParameter = "keep-input-normalization";

    private const int Float = (int)TensorElementKind.Float;

    private static readonly HashSet<string> SameTypeContribOperators = new(StringComparer.Ordinal)
    {
        "DynamicQuantizeMatMul", "MatMulIntegerToFloat", "FusedConv", "FusedGemm", "FusedMatMul", "Gelu", "FastGelu", "BiasGelu", "QuickGelu",
    };
    private const int Half = (int)TensorElementKind.Float16;

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.Precision;

    /// <summary>The operators the <c>default</c> block list keeps in float32.</summary>
    public static IReadOnlyList<string> DefaultBlockedOperators => Fp16Operators.DefaultBlockList;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new CategoricalParameter(BlockListParameter, ["default", "none"], "default"),
        // The search does not vary this one; a user may set any comma-separated operator list.
        new CategoricalParameter(ExtraBlockedParameter, ["none"], "none"),
        new BooleanParameter(KeepInputNormalizationParameter, true),
    ];

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null)
        {
            return PassApplicability.No("The model has no graph.");
        }

        if (PassSupport.FirstNodeWithSubgraph(model.Graph) is { } node)
        {
            return PassApplicability.No($"Node '{node.Name}' ({node.OpType}) holds a subgraph, which fp16 conversion does not rewrite.");
        }

        var floats = model.Graph.Initializer.Count(t => t.DataType == Float);
        var candidates = model.Graph.Node.Count(n => PassSupport.IsDefaultDomain(n) && Fp16Operators.Table.ContainsKey(n.OpType));
        return floats > 0 || candidates > 0
            ? PassApplicability.Yes($"{floats} float32 initializer(s), {candidates} node(s) with a float16 form.")
            : PassApplicability.No("The model has no float32 initializers and no operator with a float16 form.");
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        PassSupport.EnsureGraph(this, model);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.EnsureKnown(this);
        var blocked = BlockedOperators(parameters);
        var applicability = CheckApplicability(model);
        if (!applicability.Applies)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' cannot apply: {applicability.Reason}");
        }

        var output = model.Clone();
        var graph = output.Graph;
        var opset = PassSupport.DefaultOpset(output);
        var original = InferTypes(graph);
        var skipped = new List<string>();
        var normalization = parameters.GetBoolean(this, KeepInputNormalizationParameter) ? InputNormalization(graph) : [];

        // 1. Which nodes run in float16.
        var convert = new HashSet<NodeProto>();
        foreach (var node in graph.Node)
        {
            if (!PassSupport.IsDefaultDomain(node) || !Fp16Operators.Table.TryGetValue(node.OpType, out var signature))
            {
                continue;
            }

            var typed = node.Input.Select((v, i) => (v, i)).Where(p => p.v.Length > 0 && signature.IsTypedInput(p.i)).ToList();
            if (typed.Count == 0 || typed.Any(p => original.GetValueOrDefault(p.v) != Float))
            {
                continue;
            }

            if (blocked.Contains(node.OpType))
            {
                skipped.Add($"{Display(node)} ({node.OpType}): blocked, kept in float32.");
                continue;
            }

            if (normalization.Contains(node))
            {
                skipped.Add($"{Display(node)} ({node.OpType}): normalizes a raw graph input, kept in float32.");
                continue;
            }

            if (opset < signature.MinOpset)
            {
                skipped.Add($"{Display(node)} ({node.OpType}): no float16 form before opset {signature.MinOpset}, kept in float32.");
                continue;
            }

            convert.Add(node);
        }

        // 2. Float32 initializers read by a float16 slot become float16 (same name).
        var current = new Dictionary<string, int>(original, StringComparer.Ordinal);
        var halfUses = new HashSet<string>(
            graph.Node.Where(convert.Contains)
                .SelectMany(n => n.Input.Select((v, i) => (v, i, n)))
                .Where(p => p.v.Length > 0 && Fp16Operators.Table[p.n.OpType].IsTypedInput(p.i))
                .Select(p => p.v),
            StringComparer.Ordinal);
        var convertedInitializers = 0;
        for (var i = 0; i < graph.Initializer.Count; i++)
        {
            var tensor = graph.Initializer[i];
            if (tensor.DataType == Float && halfUses.Contains(tensor.Name))
            {
                graph.Initializer[i] = TensorData.CreateFloat16(tensor.Name, tensor.Dims.ToArray(), TensorData.ReadFloats(tensor));
                current[tensor.Name] = Half;
                convertedInitializers++;
            }
        }

        // 3. Walk the nodes in order, casting wherever the wanted and the current type differ.
        var index = new GraphIndex(graph);
        var casts = new Dictionary<(string Value, int To), string>();
        var nodes = new List<NodeProto>(graph.Node.Count * 2);
        foreach (var node in graph.Node)
        {
            var half = convert.Contains(node);
            var signature = half ? Fp16Operators.Table[node.OpType] : null;
            for (var slot = 0; slot < node.Input.Count; slot++)
            {
                var value = node.Input[slot];
                if (value.Length == 0)
                {
                    continue;
                }

                var want = half && signature!.IsTypedInput(slot) ? Half : original.GetValueOrDefault(value);
                var have = current.GetValueOrDefault(value);
                if (want != have && want is Float or Half && have is Float or Half)
                {
                    if (!casts.TryGetValue((value, want), out var cast))
                    {
                        cast = index.UniqueName(value + (want == Half ? "_fp16" : "_fp32"));
                        nodes.Add(CastNode(index.UniqueName(cast + "_Cast"), value, cast, want));
                        casts[(value, want)] = cast;
                        current[cast] = want;
                    }

                    node.Input[slot] = cast;
                }
            }

            for (var slot = 0; slot < node.Output.Count; slot++)
            {
                var value = node.Output[slot];
                if (value.Length > 0 && original.TryGetValue(value, out var type))
                {
                    current[value] = half && signature!.IsTypedOutput(slot) && type == Float ? Half : type;
                }
            }

            nodes.Add(node);
        }

        // 4. Graph outputs stay float32: the float16 value is renamed and cast back under the original name.
        var outputCasts = 0;
        foreach (var graphOutput in graph.Output)
        {
            var name = graphOutput.Name;
            if (current.GetValueOrDefault(name) != Half)
            {
                continue;
            }

            var renamed = index.UniqueName(name + "_fp16");
            foreach (var node in nodes)
            {
                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == name)
                    {
                        node.Input[i] = renamed;
                    }
                }

                for (var i = 0; i < node.Output.Count; i++)
                {
                    if (node.Output[i] == name)
                    {
                        node.Output[i] = renamed;
                    }
                }
            }

            nodes.Add(CastNode(index.UniqueName(name + "_Cast"), renamed, name, Float));
            current[renamed] = Half;
            current[name] = Float;
            outputCasts++;
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);

        // 5. value_info follows the new types.
        foreach (var info in graph.ValueInfo)
        {
            if (info.Type?.TensorType is { } tensorType && current.TryGetValue(info.Name, out var type) && tensorType.ElemType != type)
            {
                tensorType.ElemType = type;
            }
        }

        if (convert.Count == 0 && convertedInitializers == 0)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' found no float32 node or weight it may convert. {string.Join(" ", skipped)}");
        }

        var castCount = casts.Count + outputCasts;
        return new PassOutput(output, new PassRecord
        {
            Pass = Name,
            Parameters = PassSupport.ResolvedParameters(this, parameters),
            NodesTouched = convert.Count + castCount,
            InitializerBytesBefore = PassSupport.InitializerBytes(model),
            InitializerBytesAfter = PassSupport.InitializerBytes(output),
            Skipped = skipped,
            Coverage = OpCoverage.Of(model.Graph, ["Conv", "Gemm", "MatMul"], convert),
            Notes =
            [
                $"{convert.Count} node(s) in float16, {convertedInitializers} initializer(s) stored as float16, {castCount} Cast node(s) added.",
                $"Kept in float32: {string.Join(", ", blocked.Order(StringComparer.Ordinal))} and operators without a reviewed float16 form.",
            ],
        });
    }

    private HashSet<string> BlockedOperators(PassParameters parameters)
    {
        var blocked = new HashSet<string>(StringComparer.Ordinal);
        switch (parameters.GetText(this, BlockListParameter))
        {
            case "default":
                blocked.UnionWith(Fp16Operators.DefaultBlockList);
                break;
            case "none":
                break;
            case var other:
                throw new InvalidPassConfigurationException(Name, $"Block list '{other}' of pass '{Name}' is unknown. Use 'default' or 'none'.");
        }

        var extra = parameters.GetText(this, ExtraBlockedParameter);
        if (extra != "none")
        {
            foreach (var op in extra.Split(',', StringSplitOptions.TrimEntries))
            {
                if (op.Length == 0 || !op.All(char.IsAsciiLetterOrDigit))
                {
                    throw new InvalidPassConfigurationException(
                        Name, $"'{extra}' is not a comma-separated list of operator types (e.g. 'Softmax,LayerNormalization') for parameter '{ExtraBlockedParameter}' of pass '{Name}'.");
                }

                blocked.Add(op);
            }
        }

        return blocked;
    }

    /// <summary>Add/Sub/Mul/Div nodes that read only raw graph inputs (or earlier such nodes) and initializers.</summary>
    private static HashSet<NodeProto> InputNormalization(GraphProto graph)
    {
        var initializers = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        var raw = new HashSet<string>(graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)), StringComparer.Ordinal);
        var nodes = new HashSet<NodeProto>();
        foreach (var node in graph.Node)
        {
            if (PassSupport.IsDefaultDomain(node) && node.OpType is "Add" or "Sub" or "Mul" or "Div"
                && node.Input.Any(raw.Contains) && node.Input.All(v => raw.Contains(v) || initializers.Contains(v)))
            {
                nodes.Add(node);
                raw.Add(node.Output[0]);
            }
        }

        return nodes;
    }

    private static string Display(NodeProto node) => string.IsNullOrEmpty(node.Name) ? node.Output.FirstOrDefault() ?? node.OpType : node.Name;

    private static NodeProto CastNode(string name, string input, string output, int to)
    {
        var node = PassSupport.Node("Cast", name, [input], [output]);
        PassSupport.SetInt(node, "to", to);
        return node;
    }

    /// <summary>Element types of the original graph's values, from declarations and simple per-operator rules.</summary>
    private static Dictionary<string, int> InferTypes(GraphProto graph)
    {
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var info in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
        {
            if (info.Type?.TensorType is { ElemType: > 0 } tensorType)
            {
                types[info.Name] = tensorType.ElemType;
            }
        }

        foreach (var tensor in graph.Initializer)
        {
            types[tensor.Name] = tensor.DataType;
        }

        foreach (var node in graph.Node)
        {
            for (var slot = 0; slot < node.Output.Count; slot++)
            {
                var value = node.Output[slot];
                if (value.Length == 0 || types.ContainsKey(value))
                {
                    continue;
                }

                var type = OutputType(node, slot, types);
                if (type > 0)
                {
                    types[value] = type;
                }
            }
        }

        return types;
    }

    private static int OutputType(NodeProto node, int slot, Dictionary<string, int> types)
    {
        if (!PassSupport.IsDefaultDomain(node))
        {
            // ONNX Runtime contrib operators that other passes emit: output 0 has the float type of input 0.
            return node.Domain == "com.microsoft" && slot == 0 && SameTypeContribOperators.Contains(node.OpType) && node.Input.Count > 0
                ? types.GetValueOrDefault(node.Input[0])
                : 0;
        }

        switch (node.OpType)
        {
            case "Cast":
                return (int)GraphIndex.IntAttribute(node, "to", 0);
            case "Constant":
                var attribute = node.Attribute.FirstOrDefault();
                return attribute?.Name switch
                {
                    "value" => attribute.T.DataType,
                    "value_float" or "value_floats" => Float,
                    "value_int" or "value_ints" => (int)TensorElementKind.Int64,
                    _ => 0,
                };
            case "ConstantOfShape":
                return PassSupport.Attribute(node, "value")?.T?.DataType ?? Float;
            case "Shape" or "Size" or "ArgMax" or "ArgMin" or "NonZero":
                return (int)TensorElementKind.Int64;
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor" or "IsNaN" or "IsInf":
                return (int)TensorElementKind.Bool;
            case "MaxPool" or "TopK" when slot == 1:
                return (int)TensorElementKind.Int64;
            case "Dropout" when slot == 1:
                return 0;
        }

        if (Fp16Operators.Table.TryGetValue(node.OpType, out var signature) && signature.IsTypedOutput(slot))
        {
            var first = node.Input.Select((v, i) => (v, i)).FirstOrDefault(p => p.v.Length > 0 && signature.IsTypedInput(p.i));
            return first.v is null ? 0 : types.GetValueOrDefault(first.v);
        }

        return 0;
    }
}
