using FunctionsOpt.Core.Passes.Compensation;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Passes.Precision;
using FunctionsOpt.Core.Passes.Pruning;
using FunctionsOpt.Core.Passes.Quantization.Dynamic;
using FunctionsOpt.Core.Passes.Quantization.Static;
using FunctionsOpt.Core.Passes.Runtime;

namespace FunctionsOpt.Core.Passes.Pipeline;

/// <summary>
/// The built-in passes, in the order a pipeline applies them: graph preparation, pruning, compensation, precision
/// and quantization, runtime settings. Registering another pass is one line in <see cref="BuiltIn"/> (or pass it to
/// the constructor); its stage follows from its <see cref="PassKind"/>. Names are unique. Immutable and thread-safe.
/// </summary>
public sealed class DefaultPassCatalogue : IPassCatalogue
{
    /// <summary>Creates the catalogue of built-in passes plus <paramref name="additional"/> ones.</summary>
    /// <exception cref="ArgumentException">Two passes share a name.</exception>
    public DefaultPassCatalogue(IEnumerable<IModelPass>? additional = null)
    {
        var all = BuiltIn().Concat(additional ?? []).ToList();
        var duplicate = all.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two passes are named '{duplicate.Key}'; pass names key configurations and hashes and must be unique.", nameof(additional));
        }

        // Stable sort: registration order is kept inside a stage.
        Passes = all.Select((p, i) => (p, i)).OrderBy(t => Stage(t.p.Kind)).ThenBy(t => t.i).Select(t => t.p).ToList();
    }

    /// <inheritdoc />
    public IReadOnlyList<IModelPass> Passes { get; }

    /// <summary>The pass named <paramref name="name"/>, or null.</summary>
    public IModelPass? Find(string name) => Passes.FirstOrDefault(p => p.Name == name);

    /// <summary>Stage of a pass kind in pipeline order (lower runs first).</summary>
    public static int Stage(PassKind kind) => kind switch
    {
        PassKind.GraphPreparation => 0,
        PassKind.Pruning => 1,
        PassKind.Compensation => 2,
        PassKind.Precision => 3,
        PassKind.Quantization => 3,
        PassKind.Runtime => 4,
        _ => 5,
    };

    private static IEnumerable<IModelPass> BuiltIn() =>
    [
        new ConstantsToInitializersPass(),
        new OpsetUpgradePass(),
        new BatchNormFoldingPass(),
        new OrtOfflineOptimizationPass(),
        new MagnitudePruningPass(),
        new StructuredPruningPass(),
        new ErrorCompensationPass(),
        new Fp16Pass(),
        new DynamicInt8Pass(),
        new StaticInt8Pass(),
        new RuntimeSettingsPass(),
    ];
}
