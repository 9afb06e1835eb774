using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Graph;

/// <summary>
/// Folds an inference-mode <c>BatchNormalization</c> into the <c>Conv</c> (or <c>Gemm</c>) that feeds it:
/// with s = scale / sqrt(var + epsilon), the weights of output channel c become W[c]·s[c] and the bias becomes
/// (b[c] − mean[c])·s[c] + B[c] (computed in double, stored as float32). The BN node disappears and the producer
/// writes the BN's output name, so consumers are untouched. A BN is left alone, with its reason in the record, when
/// its producer has other consumers or is a graph output, when any parameter is not an initializer, when it runs
/// in training mode or exposes its optional outputs, or (Gemm) when transA is set or C is not per-column.
/// Run <see cref="ConstantsToInitializersPass"/> first if the parameters come from Constant nodes.
/// </summary>
public sealed class BatchNormFoldingPass : IModelPass
{
    /// <summary>The pass name.</summary>
    public const string PassName = "fold-batchnorm";

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.GraphPreparation;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [];

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null)
        {
            return PassApplicability.No("The model has no graph.");
        }

        var index = new GraphIndex(model.Graph);
        var candidates = model.Graph.Node.Count(n => IsBatchNorm(n) && index.Producer(n.Input[0]) is { } p && p.OpType is "Conv" or "Gemm" && PassSupport.IsDefaultDomain(p));
        return candidates > 0
            ? PassApplicability.Yes($"{candidates} BatchNormalization node(s) follow a Conv or Gemm.")
            : PassApplicability.No("No BatchNormalization node follows a Conv or Gemm.");
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        var output = PassSupport.Open(this, model, parameters);
        var applicability = CheckApplicability(model);
        if (!applicability.Applies)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' cannot apply: {applicability.Reason}");
        }

        var graph = output.Graph;
        var skipped = new List<string>();
        var orphans = new List<string>();
        var folded = 0;
        foreach (var bn in graph.Node.Where(IsBatchNorm).ToList())
        {
            var index = new GraphIndex(graph);
            var producer = index.Producer(bn.Input[0]);
            if (producer is null || !PassSupport.IsDefaultDomain(producer) || producer.OpType is not ("Conv" or "Gemm"))
            {
                continue;
            }

            var reason = Fold(index, producer, bn, orphans);
            if (reason is null)
            {
                folded++;
            }
            else
            {
                skipped.Add($"{Display(bn)}: {reason}");
            }
        }

        if (folded == 0)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' folded nothing: {string.Join(" ", skipped)}");
        }

        PassSupport.RemoveUnusedInitializers(graph, orphans);
        PassSupport.RemoveStaleValueInfo(graph);
        return PassSupport.Close(this, parameters, model, output, folded * 2, skipped, [$"{folded} BatchNormalization node(s) folded."]);
    }

    private static bool IsBatchNorm(NodeProto node) => node.OpType == "BatchNormalization" && PassSupport.IsDefaultDomain(node) && node.Input.Count == 5;

    private static string Display(NodeProto node) => string.IsNullOrEmpty(node.Name) ? node.Output[0] : node.Name;

    /// <summary>Folds <paramref name="bn"/> into <paramref name="producer"/>; returns null on success, else why not.</summary>
    private static string? Fold(GraphIndex index, NodeProto producer, NodeProto bn, List<string> orphans)
    {
        var value = bn.Input[0];
        if (index.Consumers(value).Count != 1 || index.IsGraphOutput(value))
        {
            return $"the output of {producer.OpType} '{Display(producer)}' has other readers.";
        }

        if (GraphIndex.IntAttribute(bn, "training_mode", 0) != 0)
        {
            return "it runs in training mode.";
        }

        if (bn.Output.Skip(1).Any(o => o.Length > 0 && index.Consumers(o).Count > 0 || index.IsGraphOutput(o)))
        {
            return "its optional mean/variance outputs are used.";
        }

        if (GraphIndex.IntAttribute(bn, "spatial", 1) != 1)
        {
            return "spatial=0 normalizes per element, not per channel.";
        }

        var parameters = bn.Input.Skip(1).Select(index.Initializer).ToArray();
        if (parameters.Any(p => p is null))
        {
            return "its scale, bias, mean or variance is not an initializer (run constants-to-initializers first).";
        }

        var scale = PassSupport.Floats(parameters[0]!);
        var shift = PassSupport.Floats(parameters[1]!);
        var mean = PassSupport.Floats(parameters[2]!);
        var variance = PassSupport.Floats(parameters[3]!);
        var channels = scale.Length;
        if (shift.Length != channels || mean.Length != channels || variance.Length != channels)
        {
            return "its parameters have different lengths.";
        }

        double epsilon = GraphIndex.FloatAttribute(bn, "epsilon", 1e-5f);
        var factor = new double[channels];
        for (var c = 0; c < channels; c++)
        {
            factor[c] = scale[c] / Math.Sqrt(variance[c] + epsilon);
        }

        var reason = producer.OpType == "Conv"
            ? FoldIntoConv(index, producer, factor, shift, mean, orphans)
            : FoldIntoGemm(index, producer, factor, shift, mean, orphans);
        if (reason is not null)
        {
            return reason;
        }

        producer.Output[0] = bn.Output[0];
        index.Graph.Node.Remove(bn);
        orphans.AddRange(bn.Input.Skip(1));
        return null;
    }

    private static string? FoldIntoConv(GraphIndex index, NodeProto conv, double[] factor, float[] shift, float[] mean, List<string> orphans)
    {
        var weight = conv.Input.Count > 1 ? index.Initializer(conv.Input[1]) : null;
        if (weight is null || weight.Dims.Count < 3 || weight.Dims[0] != factor.Length)
        {
            return $"Conv '{Display(conv)}' has no initializer weight with {factor.Length} output channels.";
        }

        var biasTensor = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? index.Initializer(conv.Input[2]) : null;
        if (conv.Input.Count > 2 && conv.Input[2].Length > 0 && biasTensor is null)
        {
            return $"Conv '{Display(conv)}' has a bias that is not an initializer.";
        }

        var w = PassSupport.Floats(weight);
        var perChannel = w.Length / factor.Length;
        var newWeights = new float[w.Length];
        for (var c = 0; c < factor.Length; c++)
        {
            for (var k = 0; k < perChannel; k++)
            {
                var i = c * perChannel + k;
                newWeights[i] = (float)(w[i] * factor[c]);
            }
        }

        var bias = biasTensor is null ? new float[factor.Length] : PassSupport.Floats(biasTensor);
        var newBias = new float[factor.Length];
        for (var c = 0; c < factor.Length; c++)
        {
            newBias[c] = (float)((bias[c] - (double)mean[c]) * factor[c] + shift[c]);
        }

        var weightName = index.UniqueName(conv.Input[1] + "_bnfolded");
        var biasName = index.UniqueName((biasTensor?.Name ?? (string.IsNullOrEmpty(conv.Name) ? conv.Output[0] : conv.Name) + "_bias") + "_bnfolded");
        index.Graph.Initializer.Add(TensorData.CreateFloat(weightName, weight.Dims.ToArray(), newWeights));
        index.Graph.Initializer.Add(TensorData.CreateFloat(biasName, [factor.Length], newBias));
        orphans.Add(conv.Input[1]);
        conv.Input[1] = weightName;
        if (conv.Input.Count > 2)
        {
            if (conv.Input[2].Length > 0)
            {
                orphans.Add(conv.Input[2]);
            }

            conv.Input[2] = biasName;
        }
        else
        {
            conv.Input.Add(biasName);
        }

        return null;
    }

    private static string? FoldIntoGemm(GraphIndex index, NodeProto gemm, double[] factor, float[] shift, float[] mean, List<string> orphans)
    {
        if (GraphIndex.IntAttribute(gemm, "transA", 0) != 0)
        {
            // transA does not change the output layout, but keep the rewrite to the common form.
            return $"Gemm '{Display(gemm)}' has transA=1.";
        }

        var weight = index.Initializer(gemm.Input[1]);
        if (weight is null || weight.Dims.Count != 2)
        {
            return $"Gemm '{Display(gemm)}' has no 2-D initializer weight.";
        }

        var transB = GraphIndex.IntAttribute(gemm, "transB", 0) != 0;
        var columns = transB ? weight.Dims[0] : weight.Dims[1];
        var depth = transB ? weight.Dims[1] : weight.Dims[0];
        if (columns != factor.Length)
        {
            return $"Gemm '{Display(gemm)}' has {columns} output columns but the BatchNormalization has {factor.Length} channels.";
        }

        float[] c;
        double beta = GraphIndex.FloatAttribute(gemm, "beta", 1f);
        TensorProto? cTensor = null;
        if (gemm.Input.Count > 2 && gemm.Input[2].Length > 0)
        {
            cTensor = index.Initializer(gemm.Input[2]);
            if (cTensor is null)
            {
                return $"Gemm '{Display(gemm)}' has a C input that is not an initializer.";
            }

            var values = PassSupport.Floats(cTensor);
            var perColumn = cTensor.Dims.Count <= 1 || (cTensor.Dims.Count == 2 && cTensor.Dims[0] == 1);
            if (!perColumn || (values.Length != 1 && values.Length != columns))
            {
                return $"Gemm '{Display(gemm)}' has a C of shape [{string.Join(",", cTensor.Dims)}] that is not per-column.";
            }

            c = values.Length == 1 ? Enumerable.Repeat(values[0], (int)columns).ToArray() : values;
        }
        else
        {
            c = new float[columns];
        }

        var w = PassSupport.Floats(weight);
        var newWeights = new float[w.Length];
        for (var k = 0; k < depth; k++)
        {
            for (var j = 0; j < columns; j++)
            {
                var i = transB ? j * depth + k : k * columns + j;
                newWeights[i] = (float)(w[i] * factor[j]);
            }
        }

        var newC = new float[columns];
        for (var j = 0; j < columns; j++)
        {
            newC[j] = (float)(((beta * c[j]) - mean[j]) * factor[j] + shift[j]);
        }

        var weightName = index.UniqueName(gemm.Input[1] + "_bnfolded");
        var cName = index.UniqueName((cTensor?.Name ?? (string.IsNullOrEmpty(gemm.Name) ? gemm.Output[0] : gemm.Name) + "_bias") + "_bnfolded");
        index.Graph.Initializer.Add(TensorData.CreateFloat(weightName, weight.Dims.ToArray(), newWeights));
        index.Graph.Initializer.Add(TensorData.CreateFloat(cName, [columns], newC));
        orphans.Add(gemm.Input[1]);
        gemm.Input[1] = weightName;
        if (gemm.Input.Count > 2)
        {
            if (gemm.Input[2].Length > 0)
            {
                orphans.Add(gemm.Input[2]);
            }

            gemm.Input[2] = cName;
        }
        else
        {
            gemm.Input.Add(cName);
        }

        PassSupport.SetFloat(gemm, "beta", 1f);
        return null;
    }
}
