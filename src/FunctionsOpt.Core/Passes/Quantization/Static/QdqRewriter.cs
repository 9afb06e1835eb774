using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Quantization.Calibration;
using Onnx;

namespace FunctionsOpt.Core.Passes.Quantization.Static;

/// <summary>
/// Rewrites a planned graph in place into QDQ form: folds the planned Relu nodes, puts a QuantizeLinear →
/// DequantizeLinear pair on every planned activation (the producer writes a renamed tensor, the DequantizeLinear
/// writes the original name, so every consumer and graph output keeps working), replaces weights by int8
/// initializers behind DequantizeLinear, biases of Conv/Gemm by int32 with scale input_scale × weight_scale, removes
/// float initializers nothing reads any more, and clears value_info (types changed).
/// </summary>
internal sealed class QdqRewriter
{
    private readonly GraphProto _graph;
    private readonly QdqPlan _plan;
    private readonly StaticInt8Options _options;
    private readonly IReadOnlyDictionary<string, TensorRange> _ranges;
    private readonly IReadOnlyDictionary<string, sbyte[]> _presetWeights;
    private readonly Dictionary<string, QuantParams> _params = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, int), (string Output, float[] Scales)> _weights = [];
    private readonly List<NodeProto> _prelude = [];
    private readonly Dictionary<NodeProto, List<NodeProto>> _after = [];
    private GraphIndex _index;

    private QdqRewriter(GraphProto graph, QdqPlan plan, StaticInt8Options options, IReadOnlyDictionary<string, TensorRange> ranges, IReadOnlyDictionary<string, sbyte[]> presetWeights)
    {
        _presetWeights = presetWeights;
        _graph = graph;
        _plan = plan;
        _options = options;
        _ranges = ranges;
        _index = new GraphIndex(graph);
    }

    public int NodesAdded { get; private set; }

    /// <param name="graph">The graph, rewritten in place.</param>
    /// <param name="plan">What to quantize.</param>
    /// <param name="options">The pass options.</param>
    /// <param name="ranges">Calibrated activation ranges.</param>
    /// <param name="presetWeights">
    /// Int8 values (tensor order) chosen by rounding compensation for some weights, on the grid this rewriter
    /// computes for them (same scales); they replace nearest rounding.
    /// </param>
    public static int Rewrite(GraphProto graph, QdqPlan plan, StaticInt8Options options, IReadOnlyDictionary<string, TensorRange> ranges, IReadOnlyDictionary<string, sbyte[]>? presetWeights = null)
    {
        var rewriter = new QdqRewriter(graph, plan, options, ranges, presetWeights ?? new Dictionary<string, sbyte[]>());
        rewriter.Run();
        return rewriter.NodesAdded;
    }

    private int ActivationType => (int)(_options.SignedActivations ? TensorElementKind.Int8 : TensorElementKind.UInt8);

    private void Run()
    {
        foreach (var (node, relu) in _plan.FusedRelu)
        {
            node.Output[0] = relu.Output[0];
            _graph.Node.Remove(relu);
        }

        _index = new GraphIndex(_graph);
        foreach (var tensor in _plan.Activations)
        {
            _params[tensor] = _plan.SharedWith.TryGetValue(tensor, out var source)
                ? _params[source]
                : QuantizationMath.ForActivation(_ranges[tensor], _options.SignedActivations, _options.SymmetricActivations);
        }

        // Constants first: bias scales read the input activation's parameters by the input's original name.
        foreach (var node in _plan.Nodes)
        {
            QuantizeConstants(node);
        }

        foreach (var tensor in _plan.Activations)
        {
            QuantizeActivation(tensor);
        }

        var ordered = new List<NodeProto>(_prelude);
        foreach (var node in _graph.Node)
        {
            ordered.Add(node);
            if (_after.TryGetValue(node, out var extra))
            {
                ordered.AddRange(extra);
            }
        }

        _graph.Node.Clear();
        _graph.Node.AddRange(ordered);
        RemoveUnusedInitializers();
        _graph.ValueInfo.Clear();
    }

    private void QuantizeActivation(string tensor)
    {
        var p = _params[tensor];
        var scale = AddInitializer(TensorData.CreateFloat(_index.UniqueName(tensor + "_scale"), [], [p.Scale]));
        var zeroPoint = AddInitializer(ZeroPoint(_index.UniqueName(tensor + "_zero_point"), ActivationType, p.ZeroPoint));
        var quantized = _index.UniqueName(tensor + "_quantized");
        var producer = _index.Producer(tensor);
        if (producer is not null)
        {
            var raw = _index.UniqueName(tensor + "_float");
            for (var i = 0; i < producer.Output.Count; i++)
            {
                if (producer.Output[i] == tensor)
                {
                    producer.Output[i] = raw;
                }
            }

            if (!_after.TryGetValue(producer, out var list))
            {
                list = [];
                _after[producer] = list;
            }

            list.Add(Node("QuantizeLinear", [raw, scale, zeroPoint], quantized, tensor + "_QuantizeLinear"));
            list.Add(Node("DequantizeLinear", [quantized, scale, zeroPoint], tensor, tensor + "_DequantizeLinear"));
        }
        else
        {
            // A graph input: quantize it at the top and point every consumer at the dequantized copy.
            var dequantized = _index.UniqueName(tensor + "_dequantized");
            foreach (var consumer in _index.Consumers(tensor))
            {
                for (var i = 0; i < consumer.Input.Count; i++)
                {
                    if (consumer.Input[i] == tensor)
                    {
                        consumer.Input[i] = dequantized;
                    }
                }
            }

            _prelude.Add(Node("QuantizeLinear", [tensor, scale, zeroPoint], quantized, tensor + "_QuantizeLinear"));
            _prelude.Add(Node("DequantizeLinear", [quantized, scale, zeroPoint], dequantized, tensor + "_DequantizeLinear"));
        }
    }

    private void QuantizeConstants(NodeProto node)
    {
        switch (node.OpType)
        {
            case "Conv":
            {
                var (weight, scales) = Weight(node.Input[1], _options.PerChannel ? 0 : null);
                node.Input[1] = weight;
                if (node.Input.Count > 2 && node.Input[2].Length > 0)
                {
                    node.Input[2] = Bias(node.Input[2], node.Input[0], scales, 1f);
                }

                break;
            }

            case "Gemm":
            {
                var transB = GraphIndex.IntAttribute(node, "transB", 0) != 0;
                var (weight, scales) = Weight(node.Input[1], _options.PerChannel ? (transB ? 0 : 1) : null);
                node.Input[1] = weight;
                if (node.Input.Count > 2 && node.Input[2].Length > 0)
                {
                    var beta = GraphIndex.FloatAttribute(node, "beta", 1f);
                    node.Input[2] = Bias(node.Input[2], node.Input[0], scales, beta);
                    var betaAttribute = node.Attribute.FirstOrDefault(a => a.Name == "beta");
                    if (betaAttribute is not null)
                    {
                        betaAttribute.F = 1f;
                    }
                }

                break;
            }

            case "MatMul" when _index.IsInitializer(node.Input[1]):
            {
                var rank = _index.Initializer(node.Input[1])!.Dims.Count;
                node.Input[1] = Weight(node.Input[1], _options.PerChannel && rank == 2 ? 1 : null).Output;
                break;
            }

            case "Add" or "Mul":
                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (_index.IsInitializer(node.Input[i]))
                    {
                        node.Input[i] = ConstantActivation(node.Input[i]);
                    }
                }

                break;
        }
    }

    /// <summary>An int8 copy of a float weight behind a DequantizeLinear; shared by every node using the same weight and axis.</summary>
    private (string Output, float[] Scales) Weight(string name, int? axis)
    {
        var key = (name, axis ?? -1);
        if (_weights.TryGetValue(key, out var existing))
        {
            return existing;
        }

        var tensor = _index.Initializer(name)!;
        var (values, scales) = QuantizationMath.QuantizeWeights(TensorData.ReadFloats(tensor), tensor.Dims, axis);
        if (_presetWeights.TryGetValue(name, out var preset))
        {
            values = preset.Length == values.Length ? preset : throw new InvalidOperationException($"Preset int8 values for '{name}' have {preset.Length} entries, the weight {values.Length}.");
        }

        IReadOnlyList<long> scaleDims = axis is null ? [] : [scales.Length];
        var quantized = AddInitializer(TensorData.CreateInt8(_index.UniqueName(name + "_quantized"), tensor.Dims, values));
        var scale = AddInitializer(TensorData.CreateFloat(_index.UniqueName(name + "_scale"), scaleDims, scales));
        var zeroPoint = AddInitializer(TensorData.CreateInt8(_index.UniqueName(name + "_zero_point"), scaleDims, new sbyte[scales.Length]));
        var output = _index.UniqueName(name + "_dequantized");
        var dq = Node("DequantizeLinear", [quantized, scale, zeroPoint], output, name + "_DequantizeLinear");
        if (axis is { } a)
        {
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        }

        _prelude.Add(dq);
        _weights[key] = (output, scales);
        return (output, scales);
    }

    private string Bias(string name, string input, float[] weightScales, float beta)
    {
        var tensor = _index.Initializer(name)!;
        var values = TensorData.ReadFloats(tensor);
        if (beta != 1f)
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] *= beta;
            }
        }

        var (quantizedValues, scales) = QuantizationMath.QuantizeBias(values, _params[input].Scale, weightScales);
        IReadOnlyList<long> scaleDims = scales.Length == 1 ? [] : [scales.Length];
        var quantized = AddInitializer(TensorData.CreateInt32(_index.UniqueName(name + "_quantized"), tensor.Dims, quantizedValues));
        var scale = AddInitializer(TensorData.CreateFloat(_index.UniqueName(name + "_scale"), scaleDims, scales));
        var zeroPoint = AddInitializer(TensorData.CreateInt32(_index.UniqueName(name + "_zero_point"), scaleDims, new int[scales.Length]));
        var output = _index.UniqueName(name + "_dequantized");
        var dq = Node("DequantizeLinear", [quantized, scale, zeroPoint], output, name + "_DequantizeLinear");
        if (scales.Length > 1)
        {
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        }

        _prelude.Add(dq);
        return output;
    }

    /// <summary>A constant operand of Add/Mul quantized like an activation (per tensor, from its own range).</summary>
    private string ConstantActivation(string name)
    {
        var key = (name, -2);
        if (_weights.TryGetValue(key, out var existing))
        {
            return existing.Output;
        }

        var tensor = _index.Initializer(name)!;
        var values = TensorData.ReadFloats(tensor);
        var range = values.Length == 0 ? new TensorRange(0, 0) : new TensorRange(values.Min(), values.Max());
        var p = QuantizationMath.ForActivation(range, _options.SignedActivations, _options.SymmetricActivations);
        var ints = QuantizationMath.QuantizeWith(values, p, _options.SignedActivations);
        var quantizedTensor = _options.SignedActivations
            ? TensorData.CreateInt8(_index.UniqueName(name + "_quantized"), tensor.Dims, ints.Select(v => (sbyte)v).ToArray())
            : TensorData.CreateUInt8(_index.UniqueName(name + "_quantized"), tensor.Dims, ints.Select(v => (byte)v).ToArray());
        var quantized = AddInitializer(quantizedTensor);
        var scale = AddInitializer(TensorData.CreateFloat(_index.UniqueName(name + "_scale"), [], [p.Scale]));
        var zeroPoint = AddInitializer(ZeroPoint(_index.UniqueName(name + "_zero_point"), ActivationType, p.ZeroPoint));
        var output = _index.UniqueName(name + "_dequantized");
        _prelude.Add(Node("DequantizeLinear", [quantized, scale, zeroPoint], output, name + "_DequantizeLinear"));
        _weights[key] = (output, [p.Scale]);
        return output;
    }

    private void RemoveUnusedInitializers()
    {
        var used = new HashSet<string>(_graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        used.UnionWith(_graph.Output.Select(o => o.Name));
        foreach (var node in _graph.Node)
        {
            // Subgraphs may read outer-scope initializers.
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null || attribute.Graphs.Count > 0)
                {
                    return;
                }
            }
        }

        var unused = _graph.Initializer.Where(t => !used.Contains(t.Name)).ToList();
        foreach (var tensor in unused)
        {
            _graph.Initializer.Remove(tensor);
            var input = _graph.Input.FirstOrDefault(i => i.Name == tensor.Name);
            if (input is not null)
            {
                _graph.Input.Remove(input);
            }
        }
    }

    private string AddInitializer(TensorProto tensor)
    {
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private static TensorProto ZeroPoint(string name, int type, int value) => type == (int)TensorElementKind.Int8
        ? TensorData.CreateInt8(name, [], [(sbyte)value])
        : TensorData.CreateUInt8(name, [], [(byte)value]);

    private NodeProto Node(string op, IReadOnlyList<string> inputs, string output, string stem)
    {
        var node = new NodeProto { OpType = op, Name = _index.UniqueName(stem) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        NodesAdded++;
        return node;
    }
}
