using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Passes.Pruning;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>
/// Recovers accuracy lost by a compressing pass, measured against <see cref="PassContext.ReferenceModel"/> (the
/// uncompressed model) on <see cref="PassContext.CalibrationData"/>, layer by layer in graph order:
/// <list type="bullet">
/// <item><c>reconstruct</c>: for every MatMul/Gemm/Conv (group = 1, on im2col patches) whose float32 weight differs from the reference's, a
/// SparseGPT-style least-squares update (H = XᵀX + λ·mean(diag)·I over the layer inputs the compressed model
/// produces) of the kept weights from the reference values; the zero pattern stays exactly as it is.</item>
/// <item><c>bias</c>: every MatMul(+Add)/Gemm/Conv at or after the first changed layer gets its bias shifted so its
/// per-channel output mean equals the reference's; Gemm and Conv without a bias get one.</item>
/// <item><c>reconstruct-bias</c> (default): both, reconstruction first.</item>
/// </list>
/// Layers are matched by output value name and weight initializer shape, so the pass fits models from pruning
/// (unstructured and N:M) and from any pass that rewrites float weights in place. It does not reconstruct grouped Conv
/// weights (bias correction only), structurally pruned (reshaped) weights or weights stored as integers behind DequantizeLinear, and it
/// says so in <see cref="PassRecord.Skipped"/>. Output is deterministic: calibration runs use one thread.
/// </summary>
public sealed class ErrorCompensationPass : IModelPass
{
    /// <inheritdoc />
    public string Name => "compensate-error";

    /// <inheritdoc />
    public PassKind Kind => PassKind.Compensation;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = CompensationSettings.Definitions(withNone: false);

    /// <inheritdoc />
    /// <remarks>Measures the error against the uncompressed model on calibration rows.</remarks>
    public PassNeeds Needs(PassParameters parameters) => new() { CalibrationRows = true, ReferenceModel = true };

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (layers, _) = WeightLayer.Find(model.Graph);
        return layers.Count > 0
            ? PassApplicability.Yes($"{layers.Count} MatMul/Gemm/Conv layer(s) with float32 weights")
            : PassApplicability.No("no MatMul, Gemm or Conv node has a float32 weight initializer to compensate");
    }

    /// <inheritdoc />
    /// <exception cref="InvalidPassConfigurationException">No reference model or calibration data in the context, or a bad parameter.</exception>
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        parameters.EnsureKnown(this);
        var used = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var options = CompensationSettings.Read(this, parameters, used)!;
        if (context.ReferenceModel is null)
        {
            throw new InvalidPassConfigurationException(Name, $"Pass '{Name}' needs the uncompressed model in PassContext.ReferenceModel to measure the error against.");
        }

        if (context.CalibrationData is null)
        {
            throw new InvalidPassConfigurationException(Name, $"Pass '{Name}' needs calibration data in the pass context.");
        }

        var applicability = CheckApplicability(model);
        if (!applicability.Applies)
        {
            throw new PassNotApplicableException(Name, applicability.Reason);
        }

        var output = model.Clone();
        var report = ErrorCompensator.Apply(context.ReferenceModel, output, context.CalibrationData, context.Sessions, options, context.CancellationToken);
        var record = new PassRecord
        {
            Pass = Name,
            Parameters = used,
            NodesTouched = report.NodesTouched,
            InitializerBytesBefore = PassSupport.InitializerBytes(model),
            InitializerBytesAfter = PassSupport.InitializerBytes(output),
            Skipped = report.Skipped,
            Notes = [.. report.Notes, $"calibration rows: {context.CalibrationData.Count}"],
        };
        return new PassOutput(output, record);
    }
}
