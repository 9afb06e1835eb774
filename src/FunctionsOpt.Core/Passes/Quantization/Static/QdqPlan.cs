using System.Globalization;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Passes.Quantization.Static;

/// <summary>
/// Which nodes of a graph get quantized, which Relu nodes fold into their producer's output quantization, and which
/// activation tensors need Q/DQ pairs (in graph order). Built on the graph that will be rewritten; nothing is changed
/// while planning.
/// </summary>
internal sealed class QdqPlan
{
    /// <summary>Ops whose weights are quantized and that ORT fuses into QLinearConv / QGemm / QLinearMatMul.</summary>
    public static readonly IReadOnlySet<string> ComputeOps = new SortedSet<string>(StringComparer.Ordinal) { "Conv", "Gemm", "MatMul" };

    /// <summary>Ops whose output reuses the input's scale and zero point, so ORT can run them on int8 directly.</summary>
    public static readonly IReadOnlySet<string> PassThroughOps = new SortedSet<string>(StringComparer.Ordinal) { "MaxPool" };

    private QdqPlan()
    {
    }

    public List<NodeProto> Nodes { get; } = [];

    /// <summary>Relu folded into the node that produces its input (asymmetric activations only).</summary>
    public Dictionary<NodeProto, NodeProto> FusedRelu { get; } = [];

    /// <summary>Activation tensors to quantize, in graph order (names as in the original graph).</summary>
    public List<string> Activations { get; } = [];

    /// <summary>Pass-through outputs and the tensor whose parameters they share.</summary>
    public Dictionary<string, string> SharedWith { get; } = new(StringComparer.Ordinal);

    public List<string> Skipped { get; } = [];

    /// <summary>Tensors to calibrate: activations that do not share another tensor's parameters.</summary>
    public IReadOnlyList<string> CalibrationTensors => Activations.Where(a => !SharedWith.ContainsKey(a)).ToList();

    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();

    public static string Label(NodeProto node, int index) =>
        node.Name.Length > 0 ? node.Name : node.OpType + "#" + index.ToString(CultureInfo.InvariantCulture);

    public static QdqPlan Create(ModelProto model, StaticInt8Options options, string passName)
    {
        var graph = model.Graph;
        var opset = DefaultOpset(model);
        var index = new GraphIndex(graph);
        var types = ElementTypes.Infer(graph);
        var plan = new QdqPlan();

        foreach (var excluded in options.ExcludeNodes)
        {
            if (graph.Node.All(n => n.Name != excluded))
            {
                throw new InvalidPassConfigurationException(passName, $"exclude-nodes names '{excluded}', but the graph has no node of that name.");
            }
        }

        var candidates = new List<(NodeProto Node, string Label)>();
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            {
                continue;
            }

            if (!options.OpTypes.Contains(node.OpType))
            {
                continue;
            }

            var label = Label(node, i);
            var reason = Unsupported(node, index, types, opset);
            if (reason is not null)
            {
                plan.Skipped.Add($"{label}: {reason}");
                continue;
            }

            if (options.ExcludeNodes.Contains(node.Name))
            {
                plan.Skipped.Add($"{label}: excluded by configuration");
                continue;
            }

            candidates.Add((node, label));
        }

        if (options.ExcludeFirstLast)
        {
            var compute = candidates.Where(c => ComputeOps.Contains(c.Node.OpType)).ToList();
            if (compute.Count > 0)
            {
                candidates.Remove(compute[0]);
                plan.Skipped.Add($"{compute[0].Label}: first layer excluded");
                if (compute.Count > 1)
                {
                    candidates.Remove(compute[^1]);
                    plan.Skipped.Add($"{compute[^1].Label}: last layer excluded");
                }
            }
        }

        if (candidates.Count == 0)
        {
            throw new PassNotApplicableException(
                passName,
                "No node is left to quantize" + (plan.Skipped.Count > 0 ? ": " + string.Join("; ", plan.Skipped) : " (no node of the selected op types).") );
        }

        plan.Nodes.AddRange(candidates.Select(c => c.Node));
        var selected = new HashSet<NodeProto>(plan.Nodes);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void AddActivation(string name)
        {
            if (seen.Add(name))
            {
                plan.Activations.Add(name);
            }
        }

        foreach (var node in plan.Nodes)
        {
            foreach (var input in ActivationInputs(node, index))
            {
                AddActivation(input);
            }

            var output = node.Output[0];
            if (!options.SymmetricActivations && !PassThroughOps.Contains(node.OpType) && !index.IsGraphOutput(output))
            {
                var consumers = index.Consumers(output);
                if (consumers.Count == 1 && consumers[0].OpType == "Relu" && consumers[0].Domain.Length == 0 && !selected.Contains(consumers[0]))
                {
                    plan.FusedRelu[node] = consumers[0];
                    output = consumers[0].Output[0];
                }
            }

            AddActivation(output);
            if (PassThroughOps.Contains(node.OpType))
            {
                plan.SharedWith[output] = node.Input[0];
            }
        }

        return plan;
    }

    /// <summary>The non-constant inputs of <paramref name="node"/> that get Q/DQ pairs.</summary>
    public static IEnumerable<string> ActivationInputs(NodeProto node, GraphIndex index) => node.OpType switch
    {
        "Conv" or "Gemm" or "MaxPool" or "AveragePool" or "GlobalAveragePool" => [node.Input[0]],
        _ => node.Input.Take(2).Where(i => !index.IsInitializer(i)),
    };

    /// <summary>Why <paramref name="node"/> cannot be quantized, or null.</summary>
    private static string? Unsupported(NodeProto node, GraphIndex index, Dictionary<string, TensorElementKind> types, long opset)
    {
        bool IsFloat(string name) => types.TryGetValue(name, out var k) && k == TensorElementKind.Float;
        bool IsFloatInitializer(string name) => index.Initializer(name) is { } t && t.DataType == (int)TensorElementKind.Float && t.DataLocation != TensorProto.Types.DataLocation.External;

        if (node.Output.Count == 0 || node.Output.Skip(1).Any(o => o.Length > 0))
        {
            return "has more than one output";
        }

        switch (node.OpType)
        {
            case "Conv":
                if (!IsFloatInitializer(node.Input[1]))
                {
                    return "weight is not a constant float32 initializer";
                }

                if (node.Input.Count > 2 && node.Input[2].Length > 0 && !IsFloatInitializer(node.Input[2]))
                {
                    return "bias is not a constant float32 initializer";
                }

                return IsFloat(node.Input[0]) ? null : "input is not known to be float32";
            case "Gemm":
                var weight = index.Initializer(node.Input[1]);
                if (!IsFloatInitializer(node.Input[1]) || weight!.Dims.Count != 2)
                {
                    return "B is not a constant 2-D float32 initializer";
                }

                if (node.Input.Count > 2 && node.Input[2].Length > 0)
                {
                    var n = GraphIndex.IntAttribute(node, "transB", 0) != 0 ? weight.Dims[0] : weight.Dims[1];
                    if (!IsFloatInitializer(node.Input[2]) || index.Initializer(node.Input[2])!.Dims.Count != 1 || index.Initializer(node.Input[2])!.Dims[0] != n)
                    {
                        return $"C is not a constant float32 bias of shape [{n}]";
                    }

                    if (GraphIndex.FloatAttribute(node, "alpha", 1f) != 1f)
                    {
                        return "alpha is not 1 (the int32 bias scale would not match)";
                    }
                }

                return IsFloat(node.Input[0]) ? null : "input is not known to be float32";
            case "MatMul":
                if (index.IsInitializer(node.Input[1]) && !IsFloatInitializer(node.Input[1]))
                {
                    return "B is not a float32 initializer";
                }

                return IsFloat(node.Input[0]) && IsFloat(node.Input[1]) ? null : "inputs are not known to be float32";
            case "Add" or "Mul":
                if (node.Input.All(index.IsInitializer))
                {
                    return "both inputs are constant";
                }

                return node.Input.All(IsFloat) && node.Input.Where(index.IsInitializer).All(IsFloatInitializer)
                    ? null
                    : "inputs are not known to be float32";
            case "MaxPool":
                if (opset < 12)
                {
                    return "int8 MaxPool needs opset >= 12";
                }

                return IsFloat(node.Input[0]) ? null : "input is not known to be float32";
            default:
                return IsFloat(node.Input[0]) ? null : "input is not known to be float32";
        }
    }
}
