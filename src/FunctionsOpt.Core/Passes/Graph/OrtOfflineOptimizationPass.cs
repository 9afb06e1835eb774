using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Search.Space;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace FunctionsOpt.Core.Passes.Graph;

/// <summary>
/// ONNX Runtime's own graph optimizations, applied offline on the CPU provider and saved as a portable model
/// (<see cref="SessionOptions.OptimizedModelFilePath"/>), then read back. Level <c>basic</c> folds constants,
/// removes redundant nodes and fuses Conv+BatchNorm/Add/Mul; <c>extended</c> adds fusions that may use
/// com.microsoft operators. Level <c>all</c> (layout rewrites for this CPU) is refused: such a file is tied to the
/// machine that wrote it. The scratch file lives in <see cref="PassContext.WorkDirectory"/> and is deleted.
/// </summary>
public sealed class OrtOfflineOptimizationPass : IModelPass
{
    /// <summary>The pass name.</summary>
    public const string PassName = "ort-optimize";

    /// <summary>Parameter: <c>basic</c> or <c>extended</c>.</summary>
    public const string LevelParameter = "level";

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.GraphPreparation;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [new CategoricalParameter(LevelParameter, ["basic", "extended"], "basic")];

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Graph is { Node.Count: > 0 }
            ? PassApplicability.Yes("ONNX Runtime can optimize any graph it loads.")
            : PassApplicability.No("The model has no nodes.");
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        PassSupport.EnsureGraph(this, model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        parameters.EnsureKnown(this);
        var levelText = parameters.GetText(this, LevelParameter);
        var level = levelText switch
        {
            "basic" => GraphOptimization.Basic,
            "extended" => GraphOptimization.Extended,
            "all" or "layout" => throw new InvalidPassConfigurationException(
                Name, $"Level '{levelText}' of pass '{Name}' applies layout rewrites for this machine's CPU; a saved model must stay portable. Use 'basic' or 'extended', and set level 'all' at run time (runtime settings) instead."),
            _ => throw new InvalidPassConfigurationException(Name, $"Level '{levelText}' of pass '{Name}' is unknown. Use 'basic' or 'extended'."),
        };
        var applicability = CheckApplicability(model);
        if (!applicability.Applies)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' cannot apply: {applicability.Reason}");
        }

        Directory.CreateDirectory(context.WorkDirectory);
        var path = Path.Combine(context.WorkDirectory, $"ort-optimized-{Guid.NewGuid():N}.onnx");
        ModelProto optimized;
        try
        {
            using (var options = InferenceSessionFactory.BuildOptions(new SessionSettings { OptimizationLevel = level, IntraOpThreads = 1 }))
            {
                options.OptimizedModelFilePath = path;
                try
                {
                    using var session = new InferenceSession(model.ToByteArray(), options);
                }
                catch (OnnxRuntimeException ex)
                {
                    throw new InvalidModelException(
                        InvalidModelReason.RuntimeRejected,
                        $"ONNX Runtime cannot load the model to optimize it: {ex.Message}",
                        ex);
                }
            }

            optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }

        var before = model.Graph.Node.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var after = optimized.Graph.Node.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var changes = before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Select(op => (op, from: before.GetValueOrDefault(op), to: after.GetValueOrDefault(op)))
            .Where(t => t.from != t.to)
            .Select(t => $"{t.op} {t.from}->{t.to}")
            .ToList();
        return new PassOutput(optimized, new PassRecord
        {
            Pass = Name,
            Parameters = PassSupport.ResolvedParameters(this, parameters),
            NodesTouched = Math.Abs(model.Graph.Node.Count - optimized.Graph.Node.Count) + changes.Count,
            InitializerBytesBefore = PassSupport.InitializerBytes(model),
            InitializerBytesAfter = PassSupport.InitializerBytes(optimized),
            Notes =
            [
                $"ONNX Runtime {InferenceSessionFactory.OrtVersion}, level {levelText}: {model.Graph.Node.Count} -> {optimized.Graph.Node.Count} nodes.",
                changes.Count == 0 ? "Operator counts unchanged." : "Operator counts: " + string.Join(", ", changes) + ".",
            ],
        });
    }
}
