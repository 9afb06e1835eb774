using System.Globalization;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Graph;

/// <summary>
/// The graph clean-up every candidate gets before its first lossy pass (the pipeline inserts it; the search never
/// chooses it): Constant nodes become initializers, Identity and inference-mode Dropout are bypassed (also in weight
/// and bias paths, as newer torch exports have), Cast/Transpose/Reshape/Squeeze/Unsqueeze over initializers are
/// folded, the opset is raised to what the lossy passes need (<see cref="TargetParameter"/>), and BatchNormalization
/// after Conv/Gemm is folded. Every step keeps the math, so the candidate's outputs equal the input's up to float
/// rounding. A step that cannot run is a note in the record, never a failure: canonicalisation is best effort, and
/// the lossy pass that follows says what it still cannot handle. Shape inference is not done (ONNX Runtime infers
/// shapes itself; the lossy passes only need element types, which they infer). Stateless and thread-safe.
/// </summary>
public sealed class CanonicalisePass : IModelPass
{
    /// <summary>The pass name, as it appears in records and reports.</summary>
    public const string PassName = "canonicalise";

    /// <summary>Parameter: the ai.onnx opset to raise the model to when it is lower (0: keep the model's).</summary>
    public const string TargetParameter = "target-opset";

    private const int MaxRounds = 4;

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.GraphPreparation;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
        [new IntegerParameter(TargetParameter, 0, OpsetHistory.MaxTarget, 1, 0)];

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Graph is null ? PassApplicability.No("The model has no graph.") : PassApplicability.Yes("Canonicalisation runs on every graph (best effort).");
    }

    /// <summary>
    /// The model a lossy pass needing <paramref name="targetOpset"/> would receive, for judging applicability
    /// without a trial (no sessions are opened).
    /// </summary>
    public static ModelProto Prepare(ModelProto model, long targetOpset = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = new PassParameters(new Dictionary<string, ParameterValue>(StringComparer.Ordinal)
        {
            [TargetParameter] = ParameterValue.Of(Math.Clamp(targetOpset, 0, OpsetHistory.MaxTarget)),
        });
        return model.Graph is null ? model : new CanonicalisePass().Apply(model, parameters, new PassContext(new InferenceSessionFactory())).Model;
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        var output = PassSupport.Open(this, model, parameters);
        ArgumentNullException.ThrowIfNull(context);
        var target = parameters.GetInteger(this, TargetParameter);
        var notes = new List<string>();
        var skipped = new List<string>();
        var touched = CleanUp(ref output, context, notes, skipped);
        var upgraded = Upgrade(ref output, target, context, notes, skipped);
        if (upgraded > 0)
        {
            // The upgrade turns attributes into initializer inputs (Reshape shape, Unsqueeze axes), which may now fold.
            touched += upgraded + CleanUp(ref output, context, notes, skipped);
        }

        touched += Run(new BatchNormFoldingPass(), ref output, PassParameters.Empty, context, notes, skipped);
        if (touched == 0)
        {
            notes.Add("nothing to canonicalise");
        }

        return PassSupport.Close(this, parameters, model, output, touched, skipped.Distinct(StringComparer.Ordinal).ToList(), notes);
    }

    /// <summary>Constants to initializers, pass-through removal and folding, repeated while they find work.</summary>
    private static int CleanUp(ref ModelProto model, PassContext context, List<string> notes, List<string> skipped)
    {
        var total = 0;
        for (var round = 0; round < MaxRounds; round++)
        {
            var changed = Run(new ConstantsToInitializersPass(), ref model, PassParameters.Empty, context, notes, skipped);
            var roundSkipped = new List<string>();
            var (identity, dropout) = InitializerFolding.RemovePassThrough(model.Graph, roundSkipped);
            var folded = InitializerFolding.FoldConstants(model.Graph, PassSupport.DefaultOpset(model), roundSkipped);
            skipped.AddRange(roundSkipped);
            if (identity + dropout + folded > 0)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"removed {identity} Identity and {dropout} Dropout node(s); folded {folded} Cast/Transpose/Reshape/Squeeze/Unsqueeze node(s) over initializers"));
            }

            changed += identity + dropout + folded;
            total += changed;
            if (changed == 0)
            {
                break;
            }
        }

        PassSupport.RemoveStaleValueInfo(model.Graph);
        return total;
    }

    private static int Upgrade(ref ModelProto model, long target, PassContext context, List<string> notes, List<string> skipped)
    {
        var source = PassSupport.DefaultOpset(model);
        if (target <= source || source == 0)
        {
            return 0;
        }

        var parameters = new PassParameters(new Dictionary<string, ParameterValue>(StringComparer.Ordinal)
        {
            [OpsetUpgradePass.TargetParameter] = ParameterValue.Of(target),
        });
        var rewritten = Run(new OpsetUpgradePass(), ref model, parameters, context, notes, skipped);
        // A raised opset is a change even when no node needed rewriting.
        return PassSupport.DefaultOpset(model) != source ? Math.Max(1, rewritten) : 0;
    }

    /// <summary>Runs a graph-preparation pass when it applies; its refusal becomes a skipped line.</summary>
    private static int Run(IModelPass pass, ref ModelProto model, PassParameters parameters, PassContext context, List<string> notes, List<string> skipped)
    {
        if (!pass.CheckApplicability(model).Applies)
        {
            return 0;
        }

        try
        {
            var output = pass.Apply(model, parameters, context);
            model = output.Model;
            notes.AddRange(output.Record.Notes.Select(n => pass.Name + ": " + n));
            skipped.AddRange(output.Record.Skipped.Select(s => pass.Name + ": " + s));
            return output.Record.NodesTouched;
        }
        catch (FunctionsOptException ex) when (ex is PassNotApplicableException or InvalidPassConfigurationException)
        {
            skipped.Add($"{pass.Name}: {ex.Message}");
            return 0;
        }
    }
}
