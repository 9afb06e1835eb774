namespace FunctionsOpt.Core.Passes.Graph;

/// <summary>
/// The ai.onnx operators <see cref="OpsetUpgradePass"/> knows, each with the opset versions at which its definition
/// changed (from the ONNX operator changelog). A change is either reviewed as compatible for the rewrite (new types,
/// negative axes, new attributes whose defaults keep the old behaviour) or handled by a rewrite in
/// <see cref="OpsetUpgradePass"/>. An operator missing here is refused, never bumped blindly.
/// </summary>
internal static class OpsetHistory
{
    /// <summary>Highest target opset whose changes were reviewed.</summary>
    public const int MaxTarget = 17;

    /// <summary>Lowest target: per-channel QDQ and the rewrites below need at least this.</summary>
    public const int MinTarget = 7;

    public static readonly IReadOnlyDictionary<string, int[]> Versions = new Dictionary<string, int[]>(StringComparer.Ordinal)
    {
        ["Abs"] = [1, 6, 13], ["Acos"] = [7], ["Acosh"] = [9], ["Add"] = [1, 6, 7, 13, 14], ["And"] = [1, 7],
        ["ArgMax"] = [1, 11, 12, 13], ["ArgMin"] = [1, 11, 12, 13], ["Asin"] = [7], ["Asinh"] = [9], ["Atan"] = [7], ["Atanh"] = [9],
        ["AveragePool"] = [1, 7, 10, 11], ["BatchNormalization"] = [1, 6, 7, 9, 14, 15], ["Cast"] = [1, 6, 9, 13],
        ["Ceil"] = [1, 6, 13], ["Clip"] = [1, 6, 11, 12, 13], ["Concat"] = [1, 4, 11, 13], ["Constant"] = [1, 9, 11, 12, 13],
        ["ConstantOfShape"] = [9], ["Conv"] = [1, 11], ["ConvTranspose"] = [1, 11], ["Cos"] = [7], ["Cosh"] = [9],
        ["DepthToSpace"] = [1, 11, 13], ["DequantizeLinear"] = [10, 13], ["Div"] = [1, 6, 7, 13, 14], ["Dropout"] = [1, 6, 7, 10, 12, 13],
        ["Einsum"] = [12], ["Elu"] = [1, 6], ["Equal"] = [1, 7, 11, 13], ["Erf"] = [9, 13], ["Exp"] = [1, 6, 13], ["Expand"] = [8, 13],
        ["Flatten"] = [1, 9, 11, 13], ["Floor"] = [1, 6, 13], ["Gather"] = [1, 11, 13], ["Gemm"] = [1, 6, 7, 9, 11, 13],
        ["GlobalAveragePool"] = [1], ["GlobalMaxPool"] = [1], ["Greater"] = [1, 7, 9, 13], ["GreaterOrEqual"] = [12, 16],
        ["HardSigmoid"] = [1, 6], ["HardSwish"] = [14], ["Hardmax"] = [1, 11, 13], ["Identity"] = [1, 13, 14, 16],
        ["InstanceNormalization"] = [1, 6], ["LRN"] = [1, 13], ["LayerNormalization"] = [17], ["LeakyRelu"] = [1, 6, 16],
        ["Less"] = [1, 7, 9, 13], ["LessOrEqual"] = [12, 16], ["Log"] = [1, 6, 13], ["LogSoftmax"] = [1, 11, 13],
        ["MatMul"] = [1, 9, 13], ["MatMulInteger"] = [10], ["Max"] = [1, 6, 8, 12, 13], ["MaxPool"] = [1, 8, 10, 11, 12],
        ["Mean"] = [1, 6, 8, 13], ["Min"] = [1, 6, 8, 12, 13], ["Mul"] = [1, 6, 7, 13, 14], ["Neg"] = [1, 6, 13], ["Not"] = [1],
        ["Or"] = [1, 7], ["Pad"] = [1, 2, 11, 13], ["Pow"] = [1, 7, 12, 13, 15], ["PRelu"] = [1, 6, 7, 9, 16],
        ["QuantizeLinear"] = [10, 13], ["Reciprocal"] = [1, 6, 13], ["ReduceL1"] = [1, 11, 13], ["ReduceL2"] = [1, 11, 13],
        ["ReduceLogSum"] = [1, 11, 13], ["ReduceLogSumExp"] = [1, 11, 13], ["ReduceMax"] = [1, 11, 12, 13], ["ReduceMean"] = [1, 11, 13],
        ["ReduceMin"] = [1, 11, 12, 13], ["ReduceProd"] = [1, 11, 13], ["ReduceSum"] = [1, 11, 13], ["ReduceSumSquare"] = [1, 11, 13],
        ["Relu"] = [1, 6, 13, 14], ["Reshape"] = [1, 5, 13, 14], ["Resize"] = [10, 11, 13], ["Selu"] = [1, 6], ["Shape"] = [1, 13, 15],
        ["Sigmoid"] = [1, 6, 13], ["Sign"] = [9, 13], ["Sin"] = [7], ["Sinh"] = [9], ["Size"] = [1, 13], ["Slice"] = [1, 10, 11, 13],
        ["Softmax"] = [1, 11, 13], ["Softplus"] = [1], ["Softsign"] = [1], ["SpaceToDepth"] = [1, 13], ["Split"] = [1, 2, 11, 13],
        ["Sqrt"] = [1, 6, 13], ["Squeeze"] = [1, 11, 13], ["Sub"] = [1, 6, 7, 13, 14], ["Sum"] = [1, 6, 8, 13], ["Tan"] = [7],
        ["Tanh"] = [1, 6, 13], ["Tile"] = [1, 6, 13], ["TopK"] = [1, 10, 11], ["Transpose"] = [1, 13], ["Unsqueeze"] = [1, 11, 13],
        ["Upsample"] = [1, 7, 9, 10], ["Where"] = [9, 16], ["Xor"] = [1, 7],
    };

    /// <summary>The changes of <paramref name="op"/> in (source, target], ascending; null when the op is unknown.</summary>
    public static IReadOnlyList<int>? ChangesBetween(string op, long source, long target) =>
        Versions.TryGetValue(op, out var versions) ? versions.Where(v => v > source && v <= target).ToList() : null;

    /// <summary>The minimum IR version a model importing <paramref name="opset"/> must declare.</summary>
    public static long MinIrVersion(long opset) => opset switch
    {
        <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        _ => 8,
    };
}
