namespace FunctionsOpt.Core.Passes.Precision;

/// <summary>
/// The ai.onnx operators <see cref="Fp16Pass"/> may run in float16, with which inputs and outputs carry the float
/// type T. Every operator here was loaded and run with float16 tensors on ONNX Runtime 1.31's CPU provider at
/// opsets 13 and 17 (where no CPU kernel exists, ONNX Runtime inserts its own casts and computes in float32).
/// Range and CumSum before opset 14 do not accept float16 at all and are therefore absent.
/// </summary>
internal static class Fp16Operators
{
    /// <summary>How an operator uses T.</summary>
    /// <param name="Inputs">Input slots typed T (null: every input).</param>
    /// <param name="Outputs">Output slots typed T (null: every output).</param>
    /// <param name="MinOpset">First ai.onnx opset where the operator accepts float16.</param>
    internal sealed record Signature(int[]? Inputs, int[]? Outputs, long MinOpset = 1)
    {
        public bool IsTypedInput(int slot) => Inputs is null || Inputs.Contains(slot);

        public bool IsTypedOutput(int slot) => Outputs is null || Outputs.Contains(slot);
    }

    private static readonly Signature Unary = new([0], [0]);
    private static readonly Signature AllIn = new(null, [0]);
    private static readonly Signature Compare = new(null, []);

    public static readonly IReadOnlyDictionary<string, Signature> Table = Build();

    /// <summary>
    /// Operators kept in float32 by default because float16 loses too much there: accumulations that overflow or
    /// lose low bits (ReduceSum, ReduceProd, ReduceSumSquare, ReduceL2, ReduceLogSumExp, CumSum), functions that
    /// overflow quickly (Exp, Pow), coordinate and ranking computations whose discrete results flip (Resize, TopK).
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultBlockList =
        ["CumSum", "Exp", "Pow", "ReduceL2", "ReduceLogSumExp", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Resize", "TopK"];

    private static Dictionary<string, Signature> Build()
    {
        var table = new Dictionary<string, Signature>(StringComparer.Ordinal);
        foreach (var op in new[]
        {
            "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Neg", "Erf", "Reciprocal", "Floor", "Ceil", "Round", "Sign",
            "LeakyRelu", "Elu", "Selu", "HardSigmoid", "Softplus", "Softsign", "Identity", "Softmax", "LogSoftmax",
            "Flatten", "Transpose", "GlobalAveragePool", "GlobalMaxPool", "AveragePool", "LRN", "DepthToSpace", "SpaceToDepth",
            "Squeeze", "Unsqueeze", "Reshape", "Expand", "Tile", "Slice", "Gather", "ReduceMean", "ReduceMax", "ReduceMin",
            "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp", "ReduceProd", "ReduceSum", "Dropout", "MaxPool", "TopK", "Resize",
        })
        {
            table[op] = Unary;
        }

        foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Max", "Min", "Sum", "Mean", "Concat", "Clip",
                     "MatMul", "Gemm", "Conv", "ConvTranspose", "BatchNormalization", "InstanceNormalization" })
        {
            table[op] = AllIn;
        }

        foreach (var op in new[] { "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual" })
        {
            table[op] = Compare;
        }

        table["HardSwish"] = Unary with { MinOpset = 14 };
        table["CumSum"] = Unary with { MinOpset = 14 };
        table["Einsum"] = AllIn with { MinOpset = 12 };
        table["LayerNormalization"] = AllIn with { MinOpset = 17 };
        table["ArgMax"] = new([0], []);
        table["ArgMin"] = new([0], []);
        table["Shape"] = new([0], []);
        table["Size"] = new([0], []);
        table["Split"] = new([0], null);
        table["Pad"] = new([0, 2], [0]);
        table["Where"] = new([1, 2], [0]);
        return table;
    }
}
