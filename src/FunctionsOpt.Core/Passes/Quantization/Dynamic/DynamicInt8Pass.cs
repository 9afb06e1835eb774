using System.Globalization;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Compensation;
using FunctionsOpt.Core.Passes.Pruning;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Quantization.Dynamic;

/// <summary>
/// Dynamic int8 quantization of MatMul and Gemm layers whose weight is a 2-D float32 initializer: the weight is
/// stored as symmetric int8 (zero point 0, range ±127, or ±63 with <c>reduce_range</c> for CPUs whose u8·s8 dot
/// product can saturate), with one scale per output column (per-channel) or one per tensor, and the activation is
/// quantized to uint8 at run time. Form <c>fused</c> emits com.microsoft DynamicQuantizeMatMul (its b_scale may be
/// per-column); form <c>integer</c> emits the standard DynamicQuantizeLinear → MatMulInteger → Cast → Mul (→ Add)
/// chain (ai.onnx opset ≥ 11). A Gemm becomes the same with B transposed when transB=1, alpha folded into the
/// weights and beta·C as the bias; a Gemm with transA=1 or a C that is not per-column is skipped. Layers with fewer
/// weight elements than <c>min_weight_elements</c> are skipped; every skip is listed in <see cref="PassRecord.Skipped"/>.
/// </summary>
public sealed class DynamicInt8Pass : IModelPass
{
    /// <summary>The pass name.</summary>
    public const string PassName = "quantize-dynamic";

    /// <summary>Parameter: per-column weight scales (true) or one scale per tensor.</summary>
    public const string PerChannelParameter = "per-channel";

    /// <summary>Parameter: 7-bit weights (±63), against u8·s8 saturation on CPUs without VNNI.</summary>
    public const string ReduceRangeParameter = "reduce-range";

    /// <summary>Parameter: <c>fused</c> (DynamicQuantizeMatMul) or <c>integer</c> (MatMulInteger chain).</summary>
    public const string FormParameter = "form";

    /// <summary>Parameter: layers with fewer weight elements are left in float32.</summary>
    public const string MinWeightElementsParameter = "min-weight-elements";

    /// <summary>Parameter: <c>MatMul,Gemm</c> or <c>MatMul</c>.</summary>
    public const string OpTypesParameter = "op-types";

    /// <summary>
    /// Parameter: weight rounding, <c>nearest</c> or <c>gptq</c> (GPTQ on the calibration rows, on this pass's own
    /// grid; needs <see cref="PassContext.CalibrationData"/>). It lives here rather than in a separate pass because
    /// only the quantizer knows its scales.
    /// </summary>
    public const string RoundingParameter = "rounding";

    /// <summary>Parameter: shift (or add) each layer's float bias so its output mean on calibration rows matches the float layer's.</summary>
    public const string BiasCorrectionParameter = "bias-correction";

    /// <summary>Calibration rows compensation uses at most (a seed-0 subsample of the calibration data).</summary>
    public const int CompensationRows = 128;

    private const string MicrosoftDomain = "com.microsoft";

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.Quantization;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new BooleanParameter(PerChannelParameter, true),
        new BooleanParameter(ReduceRangeParameter, false),
        new CategoricalParameter(FormParameter, ["fused", "integer"], "fused"),
        new IntegerParameter(MinWeightElementsParameter, 0, 65536, 256, 1024),
        new CategoricalParameter(OpTypesParameter, ["MatMul,Gemm", "MatMul"], "MatMul,Gemm"),
        new CategoricalParameter(RoundingParameter, ["nearest", "gptq"], "nearest"),
        new BooleanParameter(BiasCorrectionParameter, false),
    ];

    /// <inheritdoc />
    /// <remarks>Offers op-types=MatMul only when the model has a MatMul with a constant weight, and min-weight-elements
    /// only up to the largest candidate layer: either choice otherwise quantizes nothing and the trial was invalid.</remarks>
    public IReadOnlyList<ParameterDefinition> ParametersFor(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null)
        {
            return Parameters;
        }

        var index = new GraphIndex(model.Graph);
        var hasMatMul = model.Graph.Node.Any(n => IsCandidate(n, index, includeGemm: false));
        var largest = model.Graph.Node.Where(n => IsCandidate(n, index, includeGemm: true))
            .Select(n => index.Initializer(n.Input[1])!.Dims.Aggregate(1L, (a, d) => a * d)).DefaultIfEmpty(0).Max();
        return Parameters.Select(p => p.Name switch
        {
            OpTypesParameter when !hasMatMul => new CategoricalParameter(OpTypesParameter, ["MatMul,Gemm"], "MatMul,Gemm"),
            // A threshold above the largest layer quantizes nothing: on the corpus GRU (largest layer 512 weights)
            // every such trial was invalid.
            MinWeightElementsParameter when largest < 65536 => MinWeightElements(largest),
            _ => p,
        }).ToList();
    }

    private static IntegerParameter MinWeightElements(long largest)
    {
        var max = Math.Max(0, largest / 256 * 256);
        return new IntegerParameter(MinWeightElementsParameter, 0, max, 256, Math.Min(1024, max));
    }

    /// <inheritdoc />
    /// <remarks>Calibration rows for gptq rounding or bias correction; opset 11 for the integer form.</remarks>
    public PassNeeds Needs(PassParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new PassNeeds
        {
            CalibrationRows = parameters.GetText(this, RoundingParameter) == "gptq" || parameters.GetBoolean(this, BiasCorrectionParameter),
            MinimumOpset = parameters.GetText(this, FormParameter) == "integer" ? 11 : 0,
        };
    }

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null)
        {
            return PassApplicability.No("The model has no graph.");
        }

        var index = new GraphIndex(model.Graph);
        var count = model.Graph.Node.Count(n => IsCandidate(n, index, includeGemm: true));
        return count > 0
            ? PassApplicability.Yes($"{count} MatMul/Gemm node(s) with a constant 2-D float32 weight.")
            : PassApplicability.No("No MatMul or Gemm node has a constant 2-D float32 weight.");
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        PassSupport.EnsureGraph(this, model);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.EnsureKnown(this);
        var perChannel = parameters.GetBoolean(this, PerChannelParameter);
        var qmax = parameters.GetBoolean(this, ReduceRangeParameter) ? 63 : 127;
        var form = parameters.GetText(this, FormParameter);
        var minElements = parameters.GetInteger(this, MinWeightElementsParameter);
        var ops = parameters.GetText(this, OpTypesParameter);
        if (form is not ("fused" or "integer"))
        {
            throw new InvalidPassConfigurationException(Name, $"Form '{form}' of pass '{Name}' is unknown. Use 'fused' or 'integer'.");
        }

        if (ops is not ("MatMul,Gemm" or "MatMul"))
        {
            throw new InvalidPassConfigurationException(Name, $"Operator set '{ops}' of pass '{Name}' is unknown. Use 'MatMul,Gemm' or 'MatMul'.");
        }

        if (minElements < 0)
        {
            throw new InvalidPassConfigurationException(Name, $"Parameter '{MinWeightElementsParameter}' of pass '{Name}' must be >= 0, not {minElements}.");
        }

        var rounding = parameters.GetText(this, RoundingParameter);
        if (rounding is not ("nearest" or "gptq"))
        {
            throw new InvalidPassConfigurationException(Name, $"Rounding '{rounding}' of pass '{Name}' is unknown. Use 'nearest' or 'gptq'.");
        }

        var compensation = new QuantizationCompensationOptions(rounding == "gptq", parameters.GetBoolean(this, BiasCorrectionParameter));
        if (compensation.Any && (context.CalibrationData is null || context.CalibrationData.Count == 0))
        {
            throw new InvalidPassConfigurationException(Name, $"Rounding '{rounding}' with bias-correction={compensation.BiasCorrection} needs calibration data in the pass context; provide it or use rounding=nearest and bias-correction=false.");
        }

        var applicability = CheckApplicability(model);
        if (!applicability.Applies)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' cannot apply: {applicability.Reason}");
        }

        var opset = PassSupport.DefaultOpset(model);
        if (form == "integer" && opset < 11)
        {
            throw new PassNotApplicableException(Name, $"Form 'integer' needs DynamicQuantizeLinear (ai.onnx opset 11); the model imports opset {opset}. Run opset-upgrade first or use form 'fused'.");
        }

        var output = model.Clone();
        var graph = output.Graph;
        var index = new GraphIndex(graph);
        var includeGemm = ops == "MatMul,Gemm";
        var skipped = new List<string>();
        var compensationNotes = new List<string>();
        var compensations = compensation.Any
            ? Compensate(model, graph, index, includeGemm, minElements, perChannel, qmax, compensation, context, compensationNotes, skipped)
            : new Dictionary<NodeProto, LayerCompensation>();
        var orphans = new List<string>();
        var nodes = new List<NodeProto>(graph.Node.Count);
        long floatBytes = 0, quantizedBytes = 0;
        var quantized = 0;
        var done = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            if (!IsCandidate(node, index, includeGemm))
            {
                nodes.Add(node);
                continue;
            }

            var layer = Prepare(node, index, out var reason);
            if (layer is null)
            {
                skipped.Add($"{Display(node)} ({node.OpType}): {reason}");
                nodes.Add(node);
                continue;
            }

            if (layer.Depth * layer.Columns < minElements)
            {
                skipped.Add(string.Create(CultureInfo.InvariantCulture, $"{Display(node)} ({node.OpType}): {layer.Depth * layer.Columns} weight elements, under the {minElements} of {MinWeightElementsParameter}."));
                nodes.Add(node);
                continue;
            }

            var (q, scales) = Quantize(layer, perChannel, qmax);
            if (compensations.TryGetValue(node, out var compensated))
            {
                layer = Compensated(layer, q, compensated);
            }

            var stem = Display(node);
            var weightName = index.UniqueName(node.Input[1] + "_int8");
            var scaleName = index.UniqueName(node.Input[1] + "_scale");
            graph.Initializer.Add(TensorData.CreateInt8(weightName, [layer.Depth, layer.Columns], q));
            graph.Initializer.Add(TensorData.CreateFloat(scaleName, perChannel ? [layer.Columns] : [], scales));
            string? biasName = null;
            if (layer.Bias is not null)
            {
                biasName = index.UniqueName(stem + "_bias");
                graph.Initializer.Add(TensorData.CreateFloat(biasName, [layer.Columns], layer.Bias));
            }

            orphans.AddRange(node.Input.Skip(1).Where(v => v.Length > 0));
            floatBytes += layer.Depth * layer.Columns * 4;
            quantizedBytes += layer.Depth * layer.Columns + scales.Length * 4;
            var result = node.Output[0];
            if (form == "fused")
            {
                var fused = PassSupport.Node(
                    "DynamicQuantizeMatMul", index.UniqueName(stem + "_DynamicQuantizeMatMul"),
                    biasName is null ? [node.Input[0], weightName, scaleName] : [node.Input[0], weightName, scaleName, string.Empty, biasName],
                    [result], MicrosoftDomain);
                nodes.Add(fused);
            }
            else
            {
                var aq = index.UniqueName(stem + "_a_quantized");
                var aScale = index.UniqueName(stem + "_a_scale");
                var aZero = index.UniqueName(stem + "_a_zero_point");
                var integer = index.UniqueName(stem + "_int32");
                var asFloat = index.UniqueName(stem + "_int32_float");
                var scale = index.UniqueName(stem + "_output_scale");
                var scaled = biasName is null ? result : index.UniqueName(stem + "_scaled");
                nodes.Add(PassSupport.Node("DynamicQuantizeLinear", index.UniqueName(stem + "_DynamicQuantizeLinear"), [node.Input[0]], [aq, aScale, aZero]));
                nodes.Add(PassSupport.Node("MatMulInteger", index.UniqueName(stem + "_MatMulInteger"), [aq, weightName, aZero], [integer]));
                var cast = PassSupport.Node("Cast", index.UniqueName(stem + "_Cast"), [integer], [asFloat]);
                PassSupport.SetInt(cast, "to", (int)TensorElementKind.Float);
                nodes.Add(cast);
                nodes.Add(PassSupport.Node("Mul", index.UniqueName(stem + "_ScaleMul"), [aScale, scaleName], [scale]));
                nodes.Add(PassSupport.Node("Mul", index.UniqueName(stem + "_Mul"), [asFloat, scale], [scaled]));
                if (biasName is not null)
                {
                    nodes.Add(PassSupport.Node("Add", index.UniqueName(stem + "_BiasAdd"), [scaled, biasName], [result]));
                }
            }

            quantized++;
            done.Add(node);
        }

        if (quantized == 0)
        {
            var why = skipped.Count > 0
                ? string.Join(" ", skipped)
                : $"the graph has no {(includeGemm ? "MatMul or Gemm" : "MatMul")} node with a constant weight it can quantize{(includeGemm ? string.Empty : "; add Gemm to op-types if the model's layers are Gemm")}.";
            throw new PassNotApplicableException(Name, $"Pass '{Name}' quantized no layer: {why}");
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        if (form == "fused")
        {
            PassSupport.EnsureOpset(output, MicrosoftDomain, 1);
        }

        PassSupport.RemoveUnusedInitializers(graph, orphans);
        return new PassOutput(output, new PassRecord
        {
            Pass = Name,
            Parameters = PassSupport.ResolvedParameters(this, parameters),
            NodesTouched = quantized,
            InitializerBytesBefore = PassSupport.InitializerBytes(model),
            InitializerBytesAfter = PassSupport.InitializerBytes(output),
            Skipped = skipped,
            Coverage = OpCoverage.Of(model.Graph, includeGemm ? ["MatMul", "Gemm"] : ["MatMul"], done),
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture, $"{quantized} layer(s) quantized ({form}, {(perChannel ? "per-column" : "per-tensor")} int8 weights, ±{qmax})."),
                string.Create(CultureInfo.InvariantCulture, $"Quantized weights: {floatBytes} float32 bytes -> {quantizedBytes} bytes (int8 + scales)."),
                $"weight rounding: {rounding}; bias correction: {(compensation.BiasCorrection ? "on" : "off")}",
                .. compensationNotes,
            ],
        });
    }

    /// <summary>Quantizes [depth, columns] weights symmetrically; returns the int8 values and the scales.</summary>
    internal static (sbyte[] Values, float[] Scales) Quantize(Layer layer, bool perChannel, int qmax)
    {
        var w = layer.Weights;
        var columns = (int)layer.Columns;
        var depth = (int)layer.Depth;
        var absMax = new float[perChannel ? columns : 1];
        for (var k = 0; k < depth; k++)
        {
            for (var j = 0; j < columns; j++)
            {
                var slot = perChannel ? j : 0;
                absMax[slot] = Math.Max(absMax[slot], Math.Abs(w[k * columns + j]));
            }
        }

        var scales = absMax.Select(m => m > 0 ? m / qmax : 1f).ToArray();
        var values = new sbyte[w.Length];
        for (var k = 0; k < depth; k++)
        {
            for (var j = 0; j < columns; j++)
            {
                var i = k * columns + j;
                var q = Math.Round(w[i] / scales[perChannel ? j : 0], MidpointRounding.ToEven);
                values[i] = (sbyte)Math.Clamp(q, -qmax, qmax);
            }
        }

        return (values, scales);
    }

    /// <summary>
    /// GPTQ integers and bias shifts for the layers the main loop will quantize (same filters, same grid from
    /// <see cref="Quantize"/>), from the float model's activations on the calibration rows.
    /// </summary>
    private static Dictionary<NodeProto, LayerCompensation> Compensate(
        ModelProto model, GraphProto graph, GraphIndex index, bool includeGemm, long minElements, bool perChannel, int qmax,
        QuantizationCompensationOptions options, PassContext context, List<string> notes, List<string> skipped)
    {
        var (weightLayers, _) = WeightLayer.Find(graph);
        var byNode = weightLayers.ToDictionary(l => l.Node);
        var items = new List<QuantizedLayer>();
        foreach (var node in graph.Node)
        {
            if (!IsCandidate(node, index, includeGemm) || Prepare(node, index, out _) is not { } layer || layer.Depth * layer.Columns < minElements)
            {
                continue;
            }

            if (!byNode.TryGetValue(node, out var weightLayer))
            {
                skipped.Add($"{Display(node)} ({node.OpType}): no rounding compensation, its weight is shared or not a float32 initializer of its own");
                continue;
            }

            var (_, scales) = Quantize(layer, perChannel, qmax);
            int depth = (int)layer.Depth, columns = (int)layer.Columns;
            var weights = new double[depth * columns];
            for (var k = 0; k < depth; k++)
            {
                for (var j = 0; j < columns; j++)
                {
                    weights[(j * depth) + k] = layer.Weights[(k * columns) + j];
                }
            }

            var rowScales = Enumerable.Range(0, columns).Select(j => scales[perChannel ? j : 0]).ToArray();
            items.Add(new QuantizedLayer(weightLayer, weights, rowScales, qmax));
        }

        var sample = DatasetSampler.Subsample(context.CalibrationData!, CompensationRows, 0);
        var results = QuantizationCompensator.Apply(model, items, sample, context.Sessions, options, notes, skipped, context.CancellationToken);
        return results.ToDictionary(kv => kv.Key.Node, kv => kv.Value);
    }

    /// <summary>The layer with its bias shifted, and <paramref name="q"/> ([depth, columns]) overwritten by GPTQ's integers.</summary>
    private static Layer Compensated(Layer layer, sbyte[] q, LayerCompensation compensation)
    {
        int depth = (int)layer.Depth, columns = (int)layer.Columns;
        if (compensation.Values is { } values)
        {
            for (var k = 0; k < depth; k++)
            {
                for (var j = 0; j < columns; j++)
                {
                    q[(k * columns) + j] = checked((sbyte)values[(j * depth) + k]);
                }
            }
        }

        if (compensation.BiasShift is not { } shift)
        {
            return layer;
        }

        var bias = new float[columns];
        for (var j = 0; j < columns; j++)
        {
            bias[j] = (float)((layer.Bias?[j] ?? 0) + shift[j]);
        }

        return layer with { Bias = bias };
    }

    private static bool IsCandidate(NodeProto node, GraphIndex index, bool includeGemm)
    {
        if (!PassSupport.IsDefaultDomain(node) || node.Input.Count < 2 || node.OpType is not ("MatMul" or "Gemm") || (node.OpType == "Gemm" && !includeGemm))
        {
            return false;
        }

        var weight = index.Initializer(node.Input[1]);
        return weight is { DataType: (int)TensorElementKind.Float, Dims.Count: 2 } && weight.DataLocation != TensorProto.Types.DataLocation.External;
    }

    private static string Display(NodeProto node) => string.IsNullOrEmpty(node.Name) ? node.Output[0] : node.Name;

    /// <summary>The layer as [depth, columns] weights (B layout of MatMul) and an optional per-column bias.</summary>
    private static Layer? Prepare(NodeProto node, GraphIndex index, out string reason)
    {
        reason = string.Empty;
        var weight = index.Initializer(node.Input[1])!;
        var w = TensorData.ReadFloats(weight);
        if (node.OpType == "MatMul")
        {
            return new Layer(w, weight.Dims[0], weight.Dims[1], null);
        }

        if (GraphIndex.IntAttribute(node, "transA", 0) != 0)
        {
            reason = "transA=1 is not rewritten.";
            return null;
        }

        var transB = GraphIndex.IntAttribute(node, "transB", 0) != 0;
        var depth = transB ? weight.Dims[1] : weight.Dims[0];
        var columns = transB ? weight.Dims[0] : weight.Dims[1];
        var alpha = GraphIndex.FloatAttribute(node, "alpha", 1f);
        var beta = GraphIndex.FloatAttribute(node, "beta", 1f);
        var b = new float[w.Length];
        for (var k = 0; k < depth; k++)
        {
            for (var j = 0; j < columns; j++)
            {
                b[k * columns + j] = alpha * (transB ? w[j * depth + k] : w[k * columns + j]);
            }
        }

        float[]? bias = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var c = index.Initializer(node.Input[2]);
            if (c is null)
            {
                reason = "its C input is not an initializer.";
                return null;
            }

            var values = TensorData.ReadFloats(c);
            var perColumn = c.Dims.Count <= 1 || (c.Dims.Count == 2 && c.Dims[0] == 1);
            if (!perColumn || (values.Length != 1 && values.Length != columns))
            {
                reason = $"its C of shape [{string.Join(",", c.Dims)}] is not a per-column bias.";
                return null;
            }

            bias = new float[columns];
            for (var j = 0; j < columns; j++)
            {
                bias[j] = beta * values[values.Length == 1 ? 0 : j];
            }
        }

        return new Layer(b, depth, columns, bias);
    }

    /// <summary>A layer's weights in MatMul B layout [Depth, Columns], row-major, and its bias.</summary>
    internal sealed record Layer(float[] Weights, long Depth, long Columns, float[]? Bias);
}
