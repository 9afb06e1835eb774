using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes;

/// <summary>What a pass family does; the report groups effects by it.</summary>
public enum PassKind
{
    /// <summary>Graph rewrites that keep the math (optimization, BN folding, opset upgrade).</summary>
    GraphPreparation,
    /// <summary>Lower-precision floating point (fp16).</summary>
    Precision,
    /// <summary>Integer quantization.</summary>
    Quantization,
    /// <summary>Weight removal (unstructured, N:M, structured).</summary>
    Pruning,
    /// <summary>Weight updates that recover accuracy after pruning or quantization.</summary>
    Compensation,
    /// <summary>Session settings, not graph edits (provider, threads, optimization level, batch).</summary>
    Runtime,
}

/// <summary>
/// A pure model-to-model step with a declared parameter space. Implementations are stateless and thread-safe;
/// <see cref="Apply"/> never mutates its input and gives byte-identical output for identical inputs, because
/// candidates are cached by content hash.
/// </summary>
public interface IModelPass
{
    /// <summary>Stable identifier used in configurations and hashes (e.g. <c>quantize-dynamic</c>).</summary>
    string Name { get; }

    /// <summary>The family.</summary>
    PassKind Kind { get; }

    /// <summary>The parameters a search may vary, with local names (the catalogue prefixes them with <see cref="Name"/>).</summary>
    IReadOnlyList<ParameterDefinition> Parameters { get; }

    /// <summary>
    /// The parameters narrowed to values that can apply to <paramref name="model"/> (same names, domains within the
    /// declared ones), so the search never proposes a value the pass would refuse on it. By default all of them.
    /// </summary>
    IReadOnlyList<ParameterDefinition> ParametersFor(ModelProto model) => Parameters;

    /// <summary>Whether the pass can do anything useful on this model, and why not.</summary>
    PassApplicability CheckApplicability(ModelProto model);

    /// <summary>
    /// What the pass needs with these parameter values (calibration rows, the reference model, session settings, a
    /// minimum opset); the trial supplies exactly that. Passes that need nothing keep the default.
    /// </summary>
    /// <exception cref="InvalidPassConfigurationException">A parameter value is invalid.</exception>
    PassNeeds Needs(PassParameters parameters) => PassNeeds.None;

    /// <summary>Applies the pass.</summary>
    /// <exception cref="PassNotApplicableException">The graph has nothing this pass can change.</exception>
    /// <exception cref="InvalidPassConfigurationException">A parameter value is invalid.</exception>
    PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context);
}

/// <summary>Whether a pass applies, with the reason either way.</summary>
/// <param name="Applies">True when the pass can change the model.</param>
/// <param name="Reason">Why (or why not), for the report.</param>
public sealed record PassApplicability(bool Applies, string Reason)
{
    /// <summary>Applicable.</summary>
    public static PassApplicability Yes(string reason) => new(true, reason);

    /// <summary>Not applicable.</summary>
    public static PassApplicability No(string reason) => new(false, reason);
}

/// <summary>The new model and what the pass changed.</summary>
/// <param name="Model">The output model (a new object; the input is untouched).</param>
/// <param name="Record">What changed.</param>
public sealed record PassOutput(ModelProto Model, PassRecord Record);

/// <summary>A short account of what a pass did, kept in the run's state and report.</summary>
public sealed record PassRecord
{
    /// <summary>Pass name.</summary>
    public required string Pass { get; init; }

    /// <summary>Parameter values used (canonical forms).</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>Nodes added, removed or rewritten.</summary>
    public required int NodesTouched { get; init; }

    /// <summary>Initializer bytes before the pass.</summary>
    public required long InitializerBytesBefore { get; init; }

    /// <summary>Initializer bytes after the pass.</summary>
    public required long InitializerBytesAfter { get; init; }

    /// <summary>Layers or nodes left alone, each with its reason (e.g. "fc3: last layer excluded").</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>Other facts worth reporting (achieved sparsity, calibration samples used...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Per op type, how many nodes the pass changed out of how many there were (lossy passes; empty otherwise).</summary>
    public IReadOnlyList<OpCoverage> Coverage { get; init; } = [];

    /// <summary>Coverage as report text, e.g. "quantized 20/20 Conv, 1/1 Gemm"; empty when there is none.</summary>
    public string CoverageText(string verb) =>
        Coverage.Count == 0 ? string.Empty : verb + " " + string.Join(", ", Coverage.Select(c => c.ToString()));
}

/// <summary>How many nodes of one op type a pass changed, out of how many the model it received had.</summary>
/// <param name="OpType">The op type (Conv, Gemm, MatMul...).</param>
/// <param name="Changed">Nodes changed.</param>
/// <param name="Total">Nodes of that type in the pass's input.</param>
public sealed record OpCoverage(string OpType, int Changed, int Total)
{
    /// <summary>For example "20/20 Conv".</summary>
    public override string ToString() =>
        Changed.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + Total.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + OpType;

    /// <summary>Coverage per op type: <paramref name="changed"/> nodes against every node of <paramref name="opTypes"/> in <paramref name="graph"/>.</summary>
    public static IReadOnlyList<OpCoverage> Of(GraphProto graph, IEnumerable<string> opTypes, IEnumerable<NodeProto> changed)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var done = changed.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return opTypes
            .Select(op => new OpCoverage(op, done.GetValueOrDefault(op), graph.Node.Count(n => n.OpType == op && PassSupport.IsDefaultDomain(n))))
            .Where(c => c.Total > 0)
            .ToList();
    }
}
