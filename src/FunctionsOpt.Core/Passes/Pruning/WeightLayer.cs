using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Passes.Pruning;

/// <summary>The operator holding a prunable weight.</summary>
internal enum WeightLayerOp
{
    /// <summary>MatMul with a constant right operand W [K, N].</summary>
    MatMul,
    /// <summary>Gemm with a constant B: [K, N], or [N, K] when transB = 1.</summary>
    Gemm,
    /// <summary>Conv with a constant W [M, C/group, k1, k2, ...].</summary>
    Conv,
}

/// <summary>
/// A weight seen as a matrix of <see cref="Outputs"/> rows (output units) by <see cref="Inputs"/> columns (the
/// reduction dimension each output unit sums over). Column order is chosen so N:M groups are M consecutive columns:
/// <list type="bullet">
/// <item>MatMul W [K, N] and Gemm B with transB = 0: row n is column n of the tensor, column k is W[k, n];
/// N:M groups run along K.</item>
/// <item>Gemm B with transB = 1 ([N, K]): row n is row n of the tensor; groups run along K (contiguous in memory).</item>
/// <item>Conv W [M, C/g, k1, k2, ...]: row m is output channel m; column index i = s·(C/g) + c for input channel c
/// at kernel position s (row-major over k1, k2, ...), so groups run along the input channels at one kernel
/// position, the layout sparse tensor cores use.</item>
/// </list>
/// </summary>
internal sealed class WeightLayer
{
    private readonly int _spatial;
    private readonly int _channels;

    private WeightLayer(NodeProto node, WeightLayerOp op, TensorProto weight, int weightInput, int outputs, int inputs, int groupAxisLength, int spatial, int channels)
    {
        Node = node;
        Op = op;
        Weight = weight;
        WeightInput = weightInput;
        Outputs = outputs;
        Inputs = inputs;
        GroupAxisLength = groupAxisLength;
        _spatial = spatial;
        _channels = channels;
    }

    /// <summary>The node.</summary>
    public NodeProto Node { get; }

    /// <summary>The operator.</summary>
    public WeightLayerOp Op { get; }

    /// <summary>The weight initializer as found in the graph.</summary>
    public TensorProto Weight { get; }

    /// <summary>Position of the weight among the node's inputs.</summary>
    public int WeightInput { get; }

    /// <summary>Output units (rows).</summary>
    public int Outputs { get; }

    /// <summary>Reduction length (columns).</summary>
    public int Inputs { get; }

    /// <summary>Length of the axis N:M groups run along (K for MatMul/Gemm, C/group for Conv).</summary>
    public int GroupAxisLength { get; }

    /// <summary>Number of weights.</summary>
    public long ParameterCount => (long)Outputs * Inputs;

    /// <summary>A name for reports: the node name, or its first output.</summary>
    public string DisplayName => (Node.Name.Length > 0 ? Node.Name : Node.Output[0]) + $" ({Node.OpType} {Weight.Name} [{string.Join(",", Weight.Dims)}])";

    /// <summary>Flat index into the weight tensor of row <paramref name="output"/>, column <paramref name="input"/>.</summary>
    public int FlatIndex(int output, int input) => Op switch
    {
        WeightLayerOp.Conv => (output * _channels * _spatial) + ((input % _channels) * _spatial) + (input / _channels),
        _ when IsTransposed => (output * Inputs) + input,
        _ => (input * Outputs) + output,
    };

    private bool IsTransposed => Op == WeightLayerOp.Gemm && GraphIndex.IntAttribute(Node, "transB", 0) != 0;

    /// <summary>The weight as a row-major [Outputs, Inputs] matrix in double precision.</summary>
    public double[] ReadMatrix(float[] flat)
    {
        ArgumentNullException.ThrowIfNull(flat);
        var matrix = new double[ParameterCount];
        for (var o = 0; o < Outputs; o++)
        {
            for (var i = 0; i < Inputs; i++)
            {
                matrix[((long)o * Inputs) + i] = flat[FlatIndex(o, i)];
            }
        }

        return matrix;
    }

    /// <summary>Writes a row-major [Outputs, Inputs] matrix back to tensor order (rounded to float32).</summary>
    public float[] WriteMatrix(ReadOnlySpan<double> matrix)
    {
        var flat = new float[ParameterCount];
        for (var o = 0; o < Outputs; o++)
        {
            for (var i = 0; i < Inputs; i++)
            {
                flat[FlatIndex(o, i)] = (float)matrix[(o * Inputs) + i];
            }
        }

        return flat;
    }

    /// <summary>
    /// The prunable layers of <paramref name="graph"/> in node order, and the candidates left out with the reason.
    /// A weight must be a float32 initializer that is not also a graph input, and used by that one node only.
    /// </summary>
    public static (IReadOnlyList<WeightLayer> Layers, IReadOnlyList<string> Skipped) Find(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var index = new GraphIndex(graph);
        var graphInputs = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        var layers = new List<WeightLayer>();
        var skipped = new List<string>();
        foreach (var node in graph.Node)
        {
            if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            {
                continue;
            }

            var weightInput = node.OpType switch
            {
                "MatMul" or "Gemm" or "Conv" => 1,
                _ => -1,
            };
            if (weightInput < 0 || node.Input.Count <= weightInput)
            {
                continue;
            }

            var name = node.Input[weightInput];
            var weight = index.Initializer(name);
            var label = (node.Name.Length > 0 ? node.Name : node.Output[0]) + $" ({node.OpType})";
            if (weight is null)
            {
                continue;
            }

            if (graphInputs.Contains(name))
            {
                skipped.Add($"{label}: weight '{name}' is also a graph input and may be overridden at run time");
                continue;
            }

            if (weight.DataType != (int)TensorElementKind.Float)
            {
                skipped.Add($"{label}: weight '{name}' is {(TensorElementKind)weight.DataType}, only float32 weights are pruned");
                continue;
            }

            if (weight.DataLocation == TensorProto.Types.DataLocation.External)
            {
                skipped.Add($"{label}: weight '{name}' is external data; load the model with its data inlined");
                continue;
            }

            if (index.Consumers(name).Count != 1 || node.Input.Count(i => i == name) != 1)
            {
                skipped.Add($"{label}: weight '{name}' is shared by several inputs or nodes");
                continue;
            }

            var layer = Create(node, weight);
            if (layer is null)
            {
                skipped.Add($"{label}: weight '{name}' has an unsupported shape [{string.Join(",", weight.Dims)}]");
                continue;
            }

            layers.Add(layer);
        }

        return (layers, skipped);
    }

    private static WeightLayer? Create(NodeProto node, TensorProto weight)
    {
        var dims = weight.Dims;
        switch (node.OpType)
        {
            case "MatMul" when dims.Count == 2:
                return new WeightLayer(node, WeightLayerOp.MatMul, weight, 1, checked((int)dims[1]), checked((int)dims[0]), checked((int)dims[0]), 1, 1);
            case "Gemm" when dims.Count == 2:
                var transposed = GraphIndex.IntAttribute(node, "transB", 0) != 0;
                var n = checked((int)(transposed ? dims[0] : dims[1]));
                var k = checked((int)(transposed ? dims[1] : dims[0]));
                return new WeightLayer(node, WeightLayerOp.Gemm, weight, 1, n, k, k, 1, 1);
            case "Conv" when dims.Count >= 3:
                var spatial = checked((int)dims.Skip(2).Aggregate(1L, (a, b) => a * b));
                var channels = checked((int)dims[1]);
                return new WeightLayer(node, WeightLayerOp.Conv, weight, 1, checked((int)dims[0]), channels * spatial, channels, spatial, channels);
            default:
                return null;
        }
    }
}
