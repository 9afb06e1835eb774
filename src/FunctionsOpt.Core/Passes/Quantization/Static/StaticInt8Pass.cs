using System.Globalization;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Compensation;
using FunctionsOpt.Core.Passes.Quantization.Calibration;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Quantization.Static;

/// <summary>
/// Static int8 quantization in QDQ form. Activations of the selected op types get QuantizeLinear → DequantizeLinear
/// pairs whose ranges come from calibration on a seeded subsample of <see cref="PassContext.CalibrationData"/>;
/// Conv/Gemm/MatMul weights become symmetric int8 constants (per tensor, or per output channel at opset ≥ 13) behind
/// DequantizeLinear; Conv and Gemm biases become int32 with scale input_scale × weight_scale, so ONNX Runtime fuses
/// the groups into QLinearConv, QGemm and QLinearMatMul. A Relu right after a quantized node is folded into that
/// node's output quantization when activations are asymmetric (the [0, max] range saturates negatives exactly as
/// Relu does). With <c>rounding=gptq</c> the weight integers are chosen by GPTQ on the calibration rows, and with
/// <c>bias-correction</c> each quantized layer's bias absorbs the mean output shift of its rounded weights (see
/// <c>QdqCompensation</c>). Stateless and thread-safe; the input model is never modified, and identical inputs give
/// byte-identical outputs (calibration is deterministic, and a smaller sample count is a prefix of a larger one for
/// the same seed).
/// </summary>
public sealed class StaticInt8Pass : IModelPass
{
    /// <summary>Parameter: calibration method, <c>minmax</c> | <c>percentile</c> | <c>entropy</c>.</summary>
    public const string MethodParameter = "method";

    /// <summary>Parameter: percentile kept by percentile calibration (exists when method = percentile).</summary>
    public const string PercentileParameter = "percentile";

    /// <summary>Parameter: calibration rows (a search budget).</summary>
    public const string CalibrationSamplesParameter = "calibration-samples";

    /// <summary>Parameter: seed of the calibration subsample.</summary>
    public const string CalibrationSeedParameter = "calibration-seed";

    /// <summary>Parameter: per-channel weight scales (needs opset ≥ 13).</summary>
    public const string PerChannelParameter = "per-channel";

    /// <summary>Parameter: symmetric activation ranges (zero point fixed).</summary>
    public const string SymmetricActivationsParameter = "symmetric-activations";

    /// <summary>
    /// Parameter: activation type, <c>uint8</c> (U8S8, the default) or <c>int8</c> (S8S8). Measured with ORT 1.31 on
    /// this x86 CPU: int8 activations reach QLinearConv/QGemm only through ORT's S8→U8 rewrite, which skips a tensor
    /// read by several nodes (residual fan-out), so those consumers stay float; uint8 fuses them (ResNet18: 22 of 22
    /// Conv as QLinearConv with uint8, 10 of 22 with int8). benchmarks/passes.md: ResNet18 batch 1 U8S8 3.1x faster
    /// than fp32, S8S8 0.91x (slower); shapes-cnn 1.07x vs 0.51x; penguins equal. Hence uint8 by default, against the
    /// usual "S8S8 on CPU" advice; the search still tries both.
    /// </summary>
    public const string ActivationTypeParameter = "activation-type";

    /// <summary>Parameter: leave the first and last Conv/Gemm/MatMul in float.</summary>
    public const string ExcludeFirstLastParameter = "exclude-first-last";

    /// <summary>Parameter: comma-separated op types to quantize.</summary>
    public const string OpTypesParameter = "op-types";

    /// <summary>Parameter: comma-separated node names to leave in float.</summary>
    public const string ExcludeNodesParameter = "exclude-nodes";

    /// <summary>
    /// Parameter: weight rounding, <c>nearest</c> (the default) or <c>gptq</c>. GPTQ runs inside this pass rather than
    /// as a separate compensation pass before it, because only the quantizer knows its grid: the scales come from the
    /// float weights it receives, so float weights pre-rounded elsewhere would have to reproduce the same absmax and
    /// land exactly on q·scale to survive its rounding. Here the integers GPTQ chooses are stored as they are, on the
    /// scales this pass computes anyway.
    /// </summary>
    public const string RoundingParameter = "rounding";

    /// <summary>Parameter: shift each quantized layer's bias so its output mean on calibration rows matches the float layer's.</summary>
    public const string BiasCorrectionParameter = "bias-correction";

    /// <summary>Smallest percentile accepted.</summary>
    public const double MinPercentile = 90;

    /// <summary>Largest calibration sample count accepted.</summary>
    public const int MaxCalibrationSamples = 100_000;

    /// <summary>The default op-type set: what ORT fuses into QLinearConv, QGemm and QLinearMatMul.</summary>
    public const string CoreOpTypes = "Conv,Gemm,MatMul";

    /// <summary>The extended op-type set: the core ops plus the elementwise and pooling ops ORT has int8 kernels for.</summary>
    public const string ExtendedOpTypes = "Add,AveragePool,Conv,Gemm,GlobalAveragePool,MatMul,MaxPool,Mul";

    /// <summary>Every op type this pass can quantize.</summary>
    public static IReadOnlySet<string> SupportedOpTypes { get; } =
        new SortedSet<string>(ExtendedOpTypes.Split(','), StringComparer.Ordinal);

    private static readonly IReadOnlyList<ParameterDefinition> Definitions =
    [
        new CategoricalParameter(MethodParameter, ["minmax", "percentile", "entropy"], "minmax"),
        new FloatParameter(PercentileParameter, 99.9, 100, GridPoints: [99.9, 99.99, 99.999], DefaultValue: 99.99)
        {
            Condition = new ParameterCondition(MethodParameter, [ParameterValue.Of("percentile")]),
        },
        new IntegerParameter(CalibrationSamplesParameter, 16, 512, 16, 128),
        // A single-value range: the search never varies the seed, but it is part of the configuration (and its hash).
        new IntegerParameter(CalibrationSeedParameter, 0, 0, 1, 0),
        new BooleanParameter(PerChannelParameter, false),
        new BooleanParameter(SymmetricActivationsParameter, false),
        new CategoricalParameter(ActivationTypeParameter, ["uint8", "int8"], "uint8"),
        new BooleanParameter(ExcludeFirstLastParameter, false),
        new CategoricalParameter(OpTypesParameter, [CoreOpTypes, ExtendedOpTypes], CoreOpTypes),
        // Node names are not searched: the only choice offered is the empty list.
        new CategoricalParameter(ExcludeNodesParameter, [string.Empty], string.Empty),
        new CategoricalParameter(RoundingParameter, ["nearest", "gptq"], "nearest"),
        new BooleanParameter(BiasCorrectionParameter, false),
    ];

    /// <inheritdoc />
    public string Name => "quantize-static";

    /// <inheritdoc />
    public PassKind Kind => PassKind.Quantization;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters => Definitions;

    /// <inheritdoc />
    /// <remarks>Always calibration rows; QuantizeLinear needs opset 10, and its per-channel axis opset 13.</remarks>
    public PassNeeds Needs(PassParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new PassNeeds { CalibrationRows = true, MinimumOpset = parameters.GetBoolean(this, PerChannelParameter) ? 13 : 10 };
    }

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var reason = NotApplicableReason(model);
        if (reason is not null)
        {
            return PassApplicability.No(reason);
        }

        var count = model.Graph.Node.Count(n => QdqPlan.ComputeOps.Contains(n.OpType) && n.Domain.Length == 0);
        return PassApplicability.Yes($"{count} Conv/Gemm/MatMul node(s) can be quantized to int8 (QDQ).");
    }

    /// <inheritdoc />
    /// <exception cref="PassNotApplicableException">
    /// No Conv/Gemm/MatMul, opset below 10 (or below 13 with per-channel weights), an already quantized graph, or
    /// nothing left after exclusions.
    /// </exception>
    /// <exception cref="InvalidPassConfigurationException">A parameter is invalid, or there is no calibration data.</exception>
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        var options = StaticInt8Options.Parse(this, parameters);
        var reason = NotApplicableReason(model);
        if (reason is not null)
        {
            throw new PassNotApplicableException(Name, reason);
        }

        if (options.PerChannel && QdqPlan.DefaultOpset(model) < 13)
        {
            throw new PassNotApplicableException(
                Name,
                $"Per-channel weights need DequantizeLinear's axis attribute (opset >= 13) but the model imports opset {QdqPlan.DefaultOpset(model)}. Run the opset-upgrade pass first, or set per-channel=false.");
        }

        if (context.CalibrationData is null || context.CalibrationData.Count == 0)
        {
            throw new InvalidPassConfigurationException(
                Name, "Static quantization needs calibration data: supply rows of the evaluation set as PassContext.CalibrationData.");
        }

        var output = model.Clone();
        var sample = DatasetSampler.Subsample(context.CalibrationData, options.CalibrationSamples, options.CalibrationSeed);
        var compensation = new QuantizationCompensationOptions(options.Gptq, options.BiasCorrection);
        var compensationNotes = new List<string>();
        var compensationSkipped = new List<string>();
        IReadOnlyDictionary<string, sbyte[]>? presets = null;
        if (compensation.Any)
        {
            // Edits the float biases of output (and may add nodes), so the plan and the activation ranges below are
            // taken on the corrected float graph.
            presets = QdqCompensation.Apply(model, output, options, sample, context.Sessions, compensation, Name, compensationNotes, compensationSkipped, context.CancellationToken);
        }

        var plan = QdqPlan.Create(output, options, Name);
        var calibration = new Calibrator(context.Sessions).Calibrate(
            output,
            plan.CalibrationTensors,
            sample,
            new CalibrationOptions { Method = options.Method, Percentile = options.Percentile, Symmetric = options.SymmetricActivations },
            context.CancellationToken);

        var added = QdqRewriter.Rewrite(output.Graph, plan, options, calibration.Ranges, presets);

        var values = Definitions.ToDictionary(
            d => d.Name,
            d => parameters.Get(this, d.Name).Canonical,
            StringComparer.Ordinal);
        var record = new PassRecord
        {
            Pass = Name,
            Parameters = values,
            NodesTouched = plan.Nodes.Count + plan.FusedRelu.Count + added,
            InitializerBytesBefore = PassSupport.InitializerBytes(model),
            InitializerBytesAfter = PassSupport.InitializerBytes(output),
            Skipped = [.. plan.Skipped, .. compensationSkipped],
            Coverage = OpCoverage.Of(model.Graph, options.OpTypes.Order(StringComparer.Ordinal), plan.Nodes),
            Notes =
            [
                $"quantized {plan.Nodes.Count} node(s): {string.Join(", ", plan.Nodes.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + " x" + g.Count().ToString(CultureInfo.InvariantCulture)))}",
                $"calibration: {options.Method} on {calibration.Samples} of {context.CalibrationData.Count} row(s), seed {options.CalibrationSeed.ToString(CultureInfo.InvariantCulture)}",
                $"activations: {(options.SignedActivations ? "int8" : "uint8")} {(options.SymmetricActivations ? "symmetric" : "asymmetric")}; weights: int8 symmetric {(options.PerChannel ? "per channel" : "per tensor")}",
                plan.FusedRelu.Count > 0
                    ? $"Relu folded into output quantization: {string.Join(", ", plan.FusedRelu.Values.Select(r => r.Name.Length > 0 ? r.Name : r.Output[0]))}"
                    : "no Relu folded",
                $"weight rounding: {(options.Gptq ? "gptq" : "nearest")}; bias correction: {(options.BiasCorrection ? "on" : "off")}",
                .. compensationNotes,
            ],
        };
        return new PassOutput(output, record);
    }

    private static string? NotApplicableReason(ModelProto model)
    {
        if (model.Graph is null)
        {
            return "The model has no graph.";
        }

        if (model.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear" or "QLinearConv" or "QLinearMatMul" or "MatMulInteger" or "ConvInteger"))
        {
            return "The graph is already quantized (it has QuantizeLinear/DequantizeLinear or integer operators).";
        }

        if (!model.Graph.Node.Any(n => QdqPlan.ComputeOps.Contains(n.OpType) && n.Domain.Length == 0))
        {
            return "The graph has no Conv, Gemm or MatMul node to quantize.";
        }

        var opset = QdqPlan.DefaultOpset(model);
        if (opset < 10)
        {
            return $"QuantizeLinear/DequantizeLinear need opset >= 10 but the model imports opset {opset}. Run the opset-upgrade pass first.";
        }

        return null;
    }
}
