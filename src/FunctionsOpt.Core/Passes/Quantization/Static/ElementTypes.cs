using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Passes.Quantization.Static;

/// <summary>
/// Element types of the values of a graph without full shape inference: from inputs, initializers, value_info and
/// outputs, then propagated through the operators whose output type follows a simple rule. Unknown types stay unknown,
/// and the pass leaves nodes with unknown types alone.
/// </summary>
internal static class ElementTypes
{
    private static readonly HashSet<string> SameAsFirstInput = new(StringComparer.Ordinal)
    {
        "Abs", "Add", "AveragePool", "BatchNormalization", "Ceil", "Clip", "Concat", "Conv", "ConvTranspose", "Div", "Dropout",
        "Elu", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gelu", "Gemm",
        "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid", "HardSwish", "Identity", "InstanceNormalization",
        "LayerNormalization", "LeakyRelu", "Log", "LRN", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "Pad", "Pow",
        "PRelu", "Reciprocal", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceSum", "Relu", "Reshape", "Resize", "Selu",
        "Sigmoid", "Slice", "Softmax", "LogSoftmax", "Softplus", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Tile",
        "Transpose", "Unsqueeze", "Upsample", "DepthToSpace", "SpaceToDepth",
    };

    public static Dictionary<string, TensorElementKind> Infer(GraphProto graph)
    {
        var types = new Dictionary<string, TensorElementKind>(StringComparer.Ordinal);
        foreach (var info in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
        {
            if (info.Type?.TensorType is { } tensor && tensor.ElemType != 0)
            {
                types[info.Name] = (TensorElementKind)tensor.ElemType;
            }
        }

        foreach (var initializer in graph.Initializer)
        {
            types[initializer.Name] = (TensorElementKind)initializer.DataType;
        }

        foreach (var node in graph.Node)
        {
            var kind = OutputKind(node, types);
            if (kind == TensorElementKind.Undefined)
            {
                continue;
            }

            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                types.TryAdd(output, kind);
            }
        }

        return types;
    }

    private static TensorElementKind OutputKind(NodeProto node, Dictionary<string, TensorElementKind> types)
    {
        if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
        {
            return TensorElementKind.Undefined;
        }

        TensorElementKind Input(int i) => node.Input.Count > i && types.TryGetValue(node.Input[i], out var k) ? k : TensorElementKind.Undefined;
        return node.OpType switch
        {
            "Cast" => (TensorElementKind)GraphIndex.IntAttribute(node, "to", 0),
            "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" => TensorElementKind.Int64,
            "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor" or "IsNaN" or "IsInf" => TensorElementKind.Bool,
            "Constant" => node.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t ? (TensorElementKind)t.DataType : TensorElementKind.Undefined,
            "DequantizeLinear" => TensorElementKind.Float,
            "Where" => Input(1),
            _ when SameAsFirstInput.Contains(node.OpType) => Input(0),
            _ => TensorElementKind.Undefined,
        };
    }
}
