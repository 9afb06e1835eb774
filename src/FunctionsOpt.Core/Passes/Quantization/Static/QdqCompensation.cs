using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Compensation;
using FunctionsOpt.Core.Passes.Pruning;
using Onnx;

namespace FunctionsOpt.Core.Passes.Quantization.Static;

/// <summary>
/// Rounding compensation for <see cref="StaticInt8Pass"/>, run on the float graph before it is planned and rewritten.
/// For every Conv/Gemm/MatMul the plan would quantize, it computes the grid <see cref="QdqRewriter"/> will use (the
/// same <see cref="QuantizationMath.QuantizeWeights"/> call, so the scales are identical), lets
/// <see cref="QuantizationCompensator"/> choose the integers (GPTQ) and the bias shifts, writes the shifts into the
/// float biases (which the rewriter then stores as int32, as for any bias) and returns the chosen integers for the
/// rewriter to store instead of its own nearest rounding. A missing bias is added where ORT still fuses the group:
/// as Conv's third input (QLinearConv) or Gemm's C (QGemm); a MatMul gets an Add after it (the MatMul keeps its
/// Q/DQ pair, so it still becomes QLinearMatMul, and the Add runs in float, or as QLinearAdd with extended ops).
/// </summary>
internal static class QdqCompensation
{
    /// <summary>Applies the bias shifts to <paramref name="output"/> (a copy of <paramref name="reference"/>) and returns the preset int8 weights by initializer name.</summary>
    public static IReadOnlyDictionary<string, sbyte[]> Apply(
        ModelProto reference,
        ModelProto output,
        StaticInt8Options options,
        EvaluationDataset calibration,
        InferenceSessionFactory sessions,
        QuantizationCompensationOptions compensation,
        string passName,
        List<string> notes,
        List<string> skipped,
        CancellationToken cancellationToken)
    {
        var plan = QdqPlan.Create(output, options, passName);
        var planned = new HashSet<NodeProto>(plan.Nodes.Where(n => QdqPlan.ComputeOps.Contains(n.OpType)));
        var (layers, _) = WeightLayer.Find(output.Graph);
        var items = new List<QuantizedLayer>();
        var axes = new Dictionary<WeightLayer, int?>();
        foreach (var layer in layers.Where(l => planned.Contains(l.Node)))
        {
            if (layer.Op == WeightLayerOp.MatMul && layer.Weight.Dims.Count != 2)
            {
                continue;
            }

            var axis = WeightAxis(layer, options.PerChannel);
            var floats = TensorData.ReadFloats(layer.Weight);
            var (_, scales) = QuantizationMath.QuantizeWeights(floats, layer.Weight.Dims, axis);
            var rowScales = Enumerable.Range(0, layer.Outputs).Select(o => scales[axis is null ? 0 : o]).ToArray();
            items.Add(new QuantizedLayer(layer, layer.ReadMatrix(floats), rowScales, 127));
            axes[layer] = axis;
        }

        foreach (var node in planned.Where(n => layers.All(l => l.Node != n)))
        {
            skipped.Add($"{node.Name} ({node.OpType}): no rounding compensation, its weight is not a float32 initializer of its own");
        }

        var results = QuantizationCompensator.Apply(reference, items, calibration, sessions, compensation, notes, skipped, cancellationToken);
        var presets = new Dictionary<string, sbyte[]>(StringComparer.Ordinal);
        foreach (var (layer, result) in results)
        {
            if (result.Values is { } values)
            {
                var tensor = new sbyte[layer.ParameterCount];
                for (var o = 0; o < layer.Outputs; o++)
                {
                    for (var i = 0; i < layer.Inputs; i++)
                    {
                        tensor[layer.FlatIndex(o, i)] = checked((sbyte)values[(o * layer.Inputs) + i]);
                    }
                }

                presets[layer.Weight.Name] = tensor;
            }

            if (result.BiasShift is { } shift)
            {
                var problem = ShiftBias(output.Graph, layer, shift);
                if (problem is not null)
                {
                    skipped.Add($"{layer.DisplayName}: no bias correction, {problem}");
                }
            }
        }

        return presets;
    }

    /// <summary>The per-channel axis <see cref="QdqRewriter"/> quantizes this weight along (the output unit's axis), or null per tensor.</summary>
    private static int? WeightAxis(WeightLayer layer, bool perChannel) => !perChannel
        ? null
        : layer.Op switch
        {
            WeightLayerOp.Conv => 0,
            WeightLayerOp.Gemm => GraphIndex.IntAttribute(layer.Node, "transB", 0) != 0 ? 0 : 1,
            _ => 1,
        };

    /// <summary>Adds <paramref name="shift"/> to the layer's bias, creating one where needed; the reason when it cannot.</summary>
    private static string? ShiftBias(GraphProto graph, WeightLayer layer, double[] shift)
    {
        var index = new GraphIndex(graph);
        var node = layer.Node;
        switch (layer.Op)
        {
            case WeightLayerOp.Conv:
                return AddToInput(graph, index, node, 2, shift, 1);
            case WeightLayerOp.Gemm:
                var beta = GraphIndex.FloatAttribute(node, "beta", 1f);
                if (beta == 0)
                {
                    return "Gemm has beta = 0";
                }

                var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
                if (!hasBias && GraphIndex.FloatAttribute(node, "alpha", 1f) != 1f)
                {
                    return "a Gemm with alpha != 1 and a bias would not be quantized (int32 bias scale)";
                }

                return AddToInput(graph, index, node, 2, shift, beta);
            default:
                var output = node.Output[0];
                var consumers = index.Consumers(output);
                if (consumers.Count == 1 && consumers[0].OpType == "Add" && consumers[0].Domain.Length == 0 && !index.IsGraphOutput(output))
                {
                    var add = consumers[0];
                    var other = add.Input[0] == output ? add.Input[1] : add.Input[0];
                    var tensor = index.Initializer(other);
                    if (tensor is not null && IsVector(tensor, shift.Length) && index.Consumers(other).Count == 1)
                    {
                        Shift(graph, tensor, shift, 1);
                        return null;
                    }
                }

                var unbiased = index.UniqueName(output + "_unbiased");
                var biasName = index.UniqueName(output + "_bias_correction");
                graph.Initializer.Add(TensorData.CreateFloat(biasName, [shift.Length], shift.Select(v => (float)v).ToArray()));
                node.Output[0] = unbiased;
                var biasAdd = new NodeProto { OpType = "Add", Name = index.UniqueName((node.Name.Length > 0 ? node.Name : output) + "_bias_correction") };
                biasAdd.Input.AddRange([unbiased, biasName]);
                biasAdd.Output.Add(output);
                graph.Node.Insert(graph.Node.IndexOf(node) + 1, biasAdd);
                return null;
        }
    }

    private static string? AddToInput(GraphProto graph, GraphIndex index, NodeProto node, int position, double[] shift, float scale)
    {
        if (node.Input.Count > position && node.Input[position].Length > 0)
        {
            var name = node.Input[position];
            var tensor = index.Initializer(name);
            if (tensor is null || !IsVector(tensor, shift.Length) || tensor.Dims.Count != 1)
            {
                return $"bias '{name}' is not a float32 initializer of shape [{shift.Length}]";
            }

            if (index.Consumers(name).Count != 1)
            {
                return $"bias '{name}' is shared with other nodes";
            }

            Shift(graph, tensor, shift, scale);
            return null;
        }

        var created = index.UniqueName(node.Output[0] + "_bias");
        graph.Initializer.Add(TensorData.CreateFloat(created, [shift.Length], shift.Select(v => (float)(v / scale)).ToArray()));
        while (node.Input.Count < position)
        {
            node.Input.Add(string.Empty);
        }

        if (node.Input.Count > position)
        {
            node.Input[position] = created;
        }
        else
        {
            node.Input.Add(created);
        }

        return null;
    }

    private static void Shift(GraphProto graph, TensorProto tensor, double[] shift, float scale)
    {
        var values = TensorData.ReadFloats(tensor);
        for (var c = 0; c < values.Length; c++)
        {
            values[c] = (float)(values[c] + (shift[c] / scale));
        }

        GraphEdits.ReplaceFloats(graph, tensor.Name, tensor.Dims, values);
    }

    private static bool IsVector(TensorProto tensor, int length) =>
        tensor.DataType == (int)TensorElementKind.Float
        && tensor.DataLocation != TensorProto.Types.DataLocation.External
        && TensorData.ElementCount(tensor) == length
        && tensor.Dims.Count >= 1 && tensor.Dims[^1] == length;
}
