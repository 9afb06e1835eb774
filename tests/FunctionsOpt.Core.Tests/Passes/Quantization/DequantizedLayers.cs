using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes.Quantization;

/// <summary>
/// Reads what a quantized model stores (integers, scales) and rebuilds "the dequantized layer": the float model with
/// one layer's weight (and bias) replaced by the quantized model's dequantized values, so the layer runs in ONNX
/// Runtime on exactly the float model's activations.
/// </summary>
internal static class DequantizedLayers
{
    /// <summary>The integers and the per-element scale behind the DequantizeLinear that writes <paramref name="value"/>.</summary>
    public static (long[] Integers, float[] Scales, TensorProto Quantized) Stored(ModelProto quantized, string value)
    {
        var graph = quantized.Graph;
        var dq = graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Output[0] == value);
        var q = graph.Initializer.Single(t => t.Name == dq.Input[0]);
        var scale = TensorData.ReadFloats(graph.Initializer.Single(t => t.Name == dq.Input[1]));
        var integers = q.DataType == (int)TensorProto.Types.DataType.Int8
            ? q.RawData.ToByteArray().Select(b => (long)(sbyte)b).ToArray()
            : TensorData.ReadInt64s(q);
        var axis = (int)(dq.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 1);
        var scales = new float[integers.Length];
        var inner = q.Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        for (var e = 0; e < integers.Length; e++)
        {
            scales[e] = scale.Length == 1 ? scale[0] : scale[(int)(e / inner % q.Dims[axis])];
        }

        return (integers, scales, q);
    }

    /// <summary>Dequantized values (integer × scale, in float as DequantizeLinear computes them).</summary>
    public static float[] Dequantize(ModelProto quantized, string value)
    {
        var (integers, scales, _) = Stored(quantized, value);
        return integers.Select((q, e) => q * scales[e]).ToArray();
    }

    /// <summary>
    /// <paramref name="reference"/> with node <paramref name="nodeName"/>'s weight replaced by <paramref name="weight"/>
    /// and, when given, its bias by <paramref name="bias"/> (Conv/Gemm input 2, added if absent; MatMul: the
    /// constant of the Add that follows it, or a new Add). Returns the model and the value holding the layer output
    /// after the bias.
    /// </summary>
    public static (ModelProto Model, string Output) WithLayer(ModelProto reference, string nodeName, float[] weight, float[]? bias)
    {
        var model = reference.Clone();
        var graph = model.Graph;
        var node = graph.Node.Single(n => n.Name == nodeName);
        Replace(graph, node.Input[1], weight);
        var output = node.Output[0];
        if (bias is null)
        {
            return (model, output);
        }

        if (node.OpType is "Conv" or "Gemm")
        {
            if (node.Input.Count > 2 && node.Input[2].Length > 0)
            {
                Replace(graph, node.Input[2], bias);
            }
            else
            {
                graph.Initializer.Add(TensorData.CreateFloat(nodeName + "_test_bias", [bias.Length], bias));
                node.Input.Add(nodeName + "_test_bias");
            }

            return (model, output);
        }

        var add = graph.Node.FirstOrDefault(n => n.OpType == "Add" && n.Input.Contains(output));
        var constant = add?.Input.FirstOrDefault(i => i != output && graph.Initializer.Any(t => t.Name == i));
        if (add is not null && constant is not null)
        {
            Replace(graph, constant, bias);
            return (model, add.Output[0]);
        }

        var biased = nodeName + "_test_biased";
        graph.Initializer.Add(TensorData.CreateFloat(nodeName + "_test_bias", [bias.Length], bias));
        var newAdd = new NodeProto { OpType = "Add", Name = nodeName + "_test_add" };
        newAdd.Input.AddRange([output, nodeName + "_test_bias"]);
        newAdd.Output.Add(biased);
        graph.Node.Insert(graph.Node.IndexOf(node) + 1, newAdd);
        return (model, biased);
    }

    /// <summary>Per-channel means (axis 1 for rank ≥ 3 outputs, the last axis otherwise), accumulated in double.</summary>
    public static double[] ChannelMeans(float[] values, int channels, bool channelsFirst, int rows)
    {
        var sums = new double[channels];
        var perRow = values.Length / rows;
        var inner = channelsFirst ? perRow / channels : 1;
        for (var i = 0; i < values.Length; i++)
        {
            sums[channelsFirst ? (int)(i % perRow / inner) : i % channels] += values[i];
        }

        return sums.Select(s => s / (values.Length / channels)).ToArray();
    }

    /// <summary>Runs <paramref name="model"/> with <paramref name="value"/> exposed and returns it.</summary>
    public static float[] RunValue(ModelProto model, EvaluationDataset data, string value)
    {
        var probe = model.Clone();
        if (probe.Graph.Output.All(o => o.Name != value))
        {
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = value,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        return QuantizationTestKit.Run(probe, data, value);
    }

    private static void Replace(GraphProto graph, string name, float[] values)
    {
        var index = graph.Initializer.IndexOf(graph.Initializer.Single(t => t.Name == name));
        graph.Initializer[index] = TensorData.CreateFloat(name, graph.Initializer[index].Dims, values);
    }
}
