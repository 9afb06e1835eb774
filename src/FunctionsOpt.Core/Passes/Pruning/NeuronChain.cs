using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Passes.Pruning;

/// <summary>
/// The path from a layer's output units to the layers that consume them, through ops that act on each unit
/// separately, found so that removing unit u is a matter of slicing tensors: the producer's weight (and bias) along
/// its output axis, every per-channel parameter on the way along its channel axis, and each consumer's weight along
/// its input axis. <see cref="Analyze"/> either returns the chain or says why the graph cannot be rewritten safely.
/// </summary>
internal sealed class NeuronChain
{
    private static readonly HashSet<string> UnaryPerElement = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "Softplus", "Softsign", "HardSigmoid",
        "HardSwish", "Identity", "Gelu", "Mish", "ThresholdedRelu", "Abs", "Neg", "Exp", "Sqrt", "Erf",
    };

    private static readonly HashSet<string> Pools = new(StringComparer.Ordinal)
    {
        "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
    };

    private NeuronChain(WeightLayer producer, int units)
    {
        Producer = producer;
        Units = units;
    }

    /// <summary>The layer whose output units are removed.</summary>
    public WeightLayer Producer { get; }

    /// <summary>Number of output units.</summary>
    public int Units { get; }

    /// <summary>Initializers sliced along an axis (the producer's weight and bias, BN and elementwise parameters).</summary>
    public List<(string Tensor, int Axis)> Slices { get; } = [];

    /// <summary>Consumer layers: their weight and the axis holding the producer's units.</summary>
    public List<(NodeProto Node, string Weight, int Axis)> Consumers { get; } = [];

    /// <summary>Nodes on the path (for the touched count).</summary>
    public List<NodeProto> Path { get; } = [];

    /// <summary>Finds the chain from <paramref name="producer"/>, or the reason it cannot be rewritten.</summary>
    public static (NeuronChain? Chain, string? Reason) Analyze(GraphIndex index, WeightLayer producer)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(producer);
        var node = producer.Node;
        var units = producer.Outputs;
        var chain = new NeuronChain(producer, units);

        // Channel position: Conv outputs carry channels on axis 1 of a rank-R tensor; MatMul/Gemm on the last axis.
        int? rank;
        bool channelLast;
        switch (producer.Op)
        {
            case WeightLayerOp.Conv:
                if (GraphIndex.IntAttribute(node, "group", 1) != 1)
                {
                    return (null, "grouped convolution (its channels are tied to its input's)");
                }

                rank = producer.Weight.Dims.Count;
                channelLast = false;
                chain.Slices.Add((producer.Weight.Name, 0));
                break;
            case WeightLayerOp.Gemm:
                rank = 2;
                channelLast = true;
                chain.Slices.Add((producer.Weight.Name, GraphIndex.IntAttribute(node, "transB", 0) != 0 ? 0 : 1));
                break;
            default:
                rank = null;
                channelLast = true;
                chain.Slices.Add((producer.Weight.Name, 1));
                break;
        }

        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            // Gemm's C broadcasts like an elementwise operand of a [batch, N] output; Conv's B is one value per channel.
            var problem = producer.Op == WeightLayerOp.Conv
                ? AddParameter(index, chain, node.Input[2], 1, channelLast: true, "bias")
                : AddParameter(index, chain, node.Input[2], rank, channelLast, "bias");
            if (problem is not null)
            {
                return (null, problem);
            }
        }

        var value = node.Output[0];
        var spatialIsOne = false;
        while (true)
        {
            if (index.IsGraphOutput(value))
            {
                return (null, $"'{value}' is a graph output (its width is part of the model's signature)");
            }

            var consumers = index.Consumers(value);
            if (consumers.Count == 0)
            {
                return (null, $"'{value}' has no consumer");
            }

            var terminals = consumers.Select(c => Terminal(index, c, value, units)).ToList();
            if (terminals.All(t => t.Reason is null))
            {
                if (!channelLast && terminals.Any(t => t.Node.OpType != "Conv"))
                {
                    return (null, $"'{value}' feeds a MatMul/Gemm while its channels are on axis 1 (add a rewritable Flatten after a global pool)");
                }

                if (channelLast && terminals.Any(t => t.Node.OpType == "Conv"))
                {
                    return (null, $"'{value}' feeds a Conv from a MatMul/Gemm layout");
                }

                chain.Consumers.AddRange(terminals.Select(t => (t.Node, t.Weight!, t.Axis)));
                return (chain, null);
            }

            if (consumers.Count != 1)
            {
                var problem = terminals.First(t => t.Reason is not null).Reason;
                return (null, $"'{value}' feeds {consumers.Count} nodes ({string.Join(", ", consumers.Select(c => c.OpType))}) and not all can be rewritten: {problem}");
            }

            var next = consumers[0];
            var label = $"{next.OpType} '{(next.Name.Length > 0 ? next.Name : next.Output[0])}'";
            if (next.Domain.Length > 0 && next.Domain != "ai.onnx")
            {
                return (null, $"{label} is in domain '{next.Domain}'");
            }

            if (UnaryPerElement.Contains(next.OpType) || next.OpType == "Dropout" || next.OpType == "Clip")
            {
                if (next.Input.Skip(1).Any(i => i.Length > 0 && !index.IsInitializer(i)))
                {
                    return (null, $"{label} has non-constant parameters");
                }

                if (next.Output.Skip(1).Any(o => o.Length > 0 && index.Consumers(o).Count > 0))
                {
                    return (null, $"{label} has a second output in use");
                }
            }
            else if (next.OpType is "Add" or "Sub" or "Mul" or "Div" or "PRelu")
            {
                var other = next.Input[0] == value ? next.Input[1] : next.Input[0];
                if (next.Input[0] == next.Input[1] || !index.IsInitializer(other))
                {
                    return (null, $"{label} combines '{value}' with the non-constant '{other}' (a residual or gated connection): both sides would need the same units removed");
                }

                var problem = AddParameter(index, chain, other, rank, channelLast, label);
                if (problem is not null)
                {
                    return (null, problem);
                }
            }
            else if (next.OpType == "BatchNormalization")
            {
                if (rank is null)
                {
                    return (null, $"{label} follows a MatMul whose output rank is unknown, so its channel axis is not known");
                }

                if (next.Output.Skip(1).Any(o => o.Length > 0))
                {
                    return (null, $"{label} is in training mode");
                }

                foreach (var parameter in next.Input.Skip(1))
                {
                    var tensor = index.Initializer(parameter);
                    if (tensor is null || tensor.Dims.Count != 1 || tensor.Dims[0] != units)
                    {
                        return (null, $"{label} parameter '{parameter}' is not a constant of {units} values");
                    }

                    chain.Slices.Add((parameter, 0));
                }
            }
            else if (Pools.Contains(next.OpType) && !channelLast)
            {
                spatialIsOne = next.OpType.StartsWith("Global", StringComparison.Ordinal) || spatialIsOne;
                if (next.Output.Skip(1).Any(o => o.Length > 0 && index.Consumers(o).Count > 0))
                {
                    return (null, $"{label} has its indices output in use");
                }
            }
            else if (next.OpType == "Flatten" && !channelLast && spatialIsOne && GraphIndex.IntAttribute(next, "axis", 1) == 1)
            {
                // [N, C, 1, 1] -> [N, C]: channel order is kept and channels move to the last axis.
                channelLast = true;
                rank = 2;
            }
            else
            {
                return (null, next.OpType switch
                {
                    "Concat" => $"{label} joins '{value}' with other tensors; unit positions would shift",
                    "Reshape" or "Flatten" or "Transpose" or "Squeeze" or "Unsqueeze" or "Split" or "Slice" or "Gather"
                        => $"{label} rearranges the unit axis; it cannot be rewritten safely",
                    _ => $"{label} is not known to act on each unit separately",
                });
            }

            chain.Path.Add(next);
            value = next.Output[0];
        }
    }

    private static string? AddParameter(GraphIndex index, NeuronChain chain, string name, int? rank, bool channelLast, string what)
    {
        var tensor = index.Initializer(name);
        if (tensor is null || tensor.DataType != (int)TensorElementKind.Float)
        {
            return $"{what} operand '{name}' is not a float32 constant";
        }

        if (index.Consumers(name).Count != 1)
        {
            return $"{what} operand '{name}' is shared with other nodes";
        }

        var dims = tensor.Dims;
        int axis;
        if (channelLast)
        {
            axis = dims.Count - 1;
        }
        else
        {
            // Right-aligned broadcasting: the activation's axis 1 of rank R is the tensor's axis r - (R - 1).
            axis = dims.Count - (rank!.Value - 1);
        }

        if (axis < 0 || dims[axis] == 1)
        {
            return null; // broadcast along the unit axis: the same value for every unit.
        }

        if (dims[axis] != chain.Units)
        {
            return $"{what} operand '{name}' has {dims[axis]} values along the unit axis, expected {chain.Units}";
        }

        chain.Slices.Add((name, axis));
        return null;
    }

    private static (NodeProto Node, string? Weight, int Axis, string? Reason) Terminal(GraphIndex index, NodeProto node, string value, int units)
    {
        var label = $"{node.OpType} '{(node.Name.Length > 0 ? node.Name : node.Output[0])}'";
        if (node.OpType is not ("MatMul" or "Gemm" or "Conv") || (node.Domain.Length > 0 && node.Domain != "ai.onnx"))
        {
            return (node, null, 0, $"{label} is not a MatMul/Gemm/Conv");
        }

        if (node.Input.Count < 2 || node.Input[0] != value || node.Input[1] == value)
        {
            return (node, null, 0, $"{label} does not take '{value}' as its activation input");
        }

        var weight = index.Initializer(node.Input[1]);
        if (weight is null || weight.DataType != (int)TensorElementKind.Float || index.Consumers(node.Input[1]).Count != 1)
        {
            return (node, null, 0, $"{label} weight '{node.Input[1]}' is not a float32 constant of its own");
        }

        int axis;
        switch (node.OpType)
        {
            case "MatMul" when weight.Dims.Count == 2:
                axis = 0;
                break;
            case "Gemm" when weight.Dims.Count == 2 && GraphIndex.IntAttribute(node, "transA", 0) == 0:
                axis = GraphIndex.IntAttribute(node, "transB", 0) != 0 ? 1 : 0;
                break;
            case "Conv" when weight.Dims.Count >= 3 && GraphIndex.IntAttribute(node, "group", 1) == 1:
                axis = 1;
                break;
            default:
                return (node, null, 0, $"{label} has an unsupported weight layout or attributes");
        }

        return weight.Dims[axis] == units
            ? (node, node.Input[1], axis, null)
            : (node, null, 0, $"{label} weight '{node.Input[1]}' has {weight.Dims[axis]} inputs, expected {units}");
    }
}
