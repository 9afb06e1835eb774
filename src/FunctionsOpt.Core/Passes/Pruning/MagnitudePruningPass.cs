using System.Globalization;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Compensation;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Pruning;

/// <summary>
/// Magnitude pruning of MatMul, Gemm and Conv weights (float32 initializers used by one node): the smallest
/// magnitudes become exact zeros; tensor shapes do not change, so the file size does not shrink by itself (the
/// zeros compress, and sparse kernels can exploit them).
/// <list type="bullet">
/// <item><c>mode=unstructured</c>: <c>sparsity</c> (0 to 0.95) of the weights, rounded to a whole count, with
/// <c>scope=layer</c> (that fraction of every eligible layer) or <c>scope=global</c> (one magnitude threshold
/// across all eligible layers, so layers end up with different sparsities).</item>
/// <item><c>mode=nm</c>: at most <c>n</c> non-zeros in every group of <c>m</c> consecutive weights along the
/// reduction (input) dimension of each output unit: K for MatMul W [K, N] and Gemm B (either transB), input
/// channels at each kernel position for Conv W [M, C/g, ...]. Layers whose group axis does not divide by m are
/// skipped.</item>
/// </list>
/// Layers with fewer than <c>min-params</c> weights, and optionally the first and the last layer in graph order,
/// are left alone and reported; the pass does not apply to a model whose layers all fall under the default
/// min-params. <c>compensation</c> other than <c>none</c> runs <see cref="ErrorCompensationPass"/>'s
/// algorithms against the input model right after pruning, on <see cref="PassContext.CalibrationData"/>.
/// Stateless and thread-safe; identical inputs give byte-identical outputs.
/// </summary>
public sealed class MagnitudePruningPass : IModelPass
{
    private const string Unstructured = "unstructured";
    private const string NOfM = "nm";
    private const string LayerScope = "layer";
    private const string GlobalScope = "global";
    private const double MaxSparsity = 0.95;
    private const long DefaultMinParams = 1024;

    /// <inheritdoc />
    public string Name => "prune-magnitude";

    /// <inheritdoc />
    public PassKind Kind => PassKind.Pruning;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new CategoricalParameter("mode", [Unstructured, NOfM]),
        new FloatParameter("sparsity", 0, MaxSparsity, GridPoints: [0.3, 0.5, 0.7, 0.9], DefaultValue: 0.5)
        {
            Condition = new ParameterCondition("mode", [ParameterValue.Of(Unstructured)]),
        },
        new CategoricalParameter("scope", [LayerScope, GlobalScope])
        {
            Condition = new ParameterCondition("mode", [ParameterValue.Of(Unstructured)]),
        },
        new IntegerParameter("n", 1, 3, DefaultValue: 2) { Condition = new ParameterCondition("mode", [ParameterValue.Of(NOfM)]) },
        new IntegerParameter("m", 4, 8, Step: 4, DefaultValue: 4) { Condition = new ParameterCondition("mode", [ParameterValue.Of(NOfM)]) },
        new IntegerParameter("min-params", 0, 16384, Step: 1024, DefaultValue: DefaultMinParams),
        new BooleanParameter("keep-first"),
        new BooleanParameter("keep-last"),
        .. CompensationSettings.Definitions(withNone: true),
    ];

    /// <inheritdoc />
    /// <remarks>Calibration rows unless compensation is none.</remarks>
    public PassNeeds Needs(PassParameters parameters) => CompensationSettings.Needs(this, parameters);

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (layers, skipped) = WeightLayer.Find(model.Graph);
        if (layers.Count == 0)
        {
            return PassApplicability.No("no MatMul, Gemm or Conv node has a float32 weight initializer of its own" + (skipped.Count > 0 ? ": " + string.Join("; ", skipped) : string.Empty));
        }

        // Judged at the declared default of min-params: when it excludes every layer, every configuration the search
        // starts from is refused, and pruning layers that small saves nothing worth a trial. Applying the pass with an
        // explicit smaller min-params still prunes them.
        var eligible = layers.Count(l => l.ParameterCount >= DefaultMinParams);
        return eligible > 0
            ? PassApplicability.Yes($"{eligible} of {layers.Count} MatMul/Gemm/Conv weight(s) with at least {DefaultMinParams} parameters (min-params default), {layers.Where(l => l.ParameterCount >= DefaultMinParams).Sum(l => l.ParameterCount)} parameters")
            : PassApplicability.No($"every MatMul/Gemm/Conv weight has fewer than {DefaultMinParams} parameters (the min-params default), so the min-params rule excludes all {layers.Count} layer(s); largest: {layers.Max(l => l.ParameterCount)}");
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        var config = ReadConfiguration(parameters);
        if (config.Compensation is not null && context.CalibrationData is null)
        {
            throw new InvalidPassConfigurationException(Name, $"Compensation '{config.Used[CompensationSettings.MethodParameter]}' needs calibration data in the pass context; provide it or use compensation=none.");
        }

        var output = model.Clone();
        var (found, skippedFind) = WeightLayer.Find(output.Graph);
        if (found.Count == 0)
        {
            throw new PassNotApplicableException(Name, CheckApplicability(model).Reason);
        }

        var skipped = new List<string>(skippedFind);
        var eligible = new List<WeightLayer>();
        for (var i = 0; i < found.Count; i++)
        {
            var layer = found[i];
            if (config.KeepFirst && i == 0)
            {
                skipped.Add($"{layer.DisplayName}: first layer kept (keep-first)");
            }
            else if (config.KeepLast && i == found.Count - 1)
            {
                skipped.Add($"{layer.DisplayName}: last layer kept (keep-last)");
            }
            else if (layer.ParameterCount < config.MinParams)
            {
                skipped.Add($"{layer.DisplayName}: {layer.ParameterCount} parameters < min-params {config.MinParams}");
            }
            else if (config.Mode == NOfM && layer.GroupAxisLength % config.M != 0)
            {
                skipped.Add($"{layer.DisplayName}: group axis length {layer.GroupAxisLength} is not a multiple of m={config.M}");
            }
            else
            {
                eligible.Add(layer);
            }
        }

        if (eligible.Count == 0)
        {
            throw new PassNotApplicableException(Name, "Every prunable layer was excluded by the configuration: " + string.Join("; ", skipped));
        }

        var values = eligible.Select(l => TensorData.ReadFloats(l.Weight)).ToList();
        var masks = config.Mode == NOfM
            ? eligible.Select((l, i) => SparsityMasks.NOfM(l, values[i], config.N, config.M)).ToArray()
            : config.Scope == GlobalScope
                ? SparsityMasks.Smallest(values, SparsityMasks.TargetCount(values.Sum(v => (long)v.Length), config.Sparsity))
                : values.Select(v => SparsityMasks.Smallest([v], SparsityMasks.TargetCount(v.Length, config.Sparsity))[0]).ToArray();

        for (var l = 0; l < eligible.Count; l++)
        {
            var v = values[l];
            for (var i = 0; i < v.Length; i++)
            {
                if (masks[l][i])
                {
                    v[i] = 0;
                }
            }

            GraphEdits.ReplaceFloats(output.Graph, eligible[l].Weight.Name, eligible[l].Weight.Dims, v);
        }

        var notes = new List<string>();
        long zeros = 0, total = 0;
        for (var l = 0; l < eligible.Count; l++)
        {
            var layerZeros = values[l].LongCount(x => x == 0);
            zeros += layerZeros;
            total += values[l].Length;
            notes.Add($"{eligible[l].DisplayName}: sparsity {GraphEdits.Fraction((double)layerZeros / values[l].Length)} ({layerZeros}/{values[l].Length})");
        }

        notes.Add($"overall: sparsity {GraphEdits.Fraction((double)zeros / total)} ({zeros}/{total}) over {eligible.Count} pruned layer(s); "
            + $"{GraphEdits.Fraction((double)zeros / found.Sum(l => l.ParameterCount))} of all {found.Sum(l => l.ParameterCount)} prunable weights");

        var touched = eligible.Count;
        if (config.Compensation is not null)
        {
            var report = ErrorCompensator.Apply(model, output, context.CalibrationData!, context.Sessions, config.Compensation, context.CancellationToken);
            notes.AddRange(report.Notes);
            skipped.AddRange(report.Skipped);
            touched = Math.Max(touched, report.NodesTouched);
        }

        var record = new PassRecord
        {
            Pass = Name,
            Parameters = config.Used,
            NodesTouched = touched,
            InitializerBytesBefore = PassSupport.InitializerBytes(model),
            InitializerBytesAfter = PassSupport.InitializerBytes(output),
            Skipped = skipped,
            Notes = notes,
            // Out of the layers with a prunable weight, not every node of the type (activation-only MatMul has none).
            Coverage = found.GroupBy(l => l.Node.OpType, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new OpCoverage(g.Key, eligible.Count(e => e.Node.OpType == g.Key), g.Count())).ToList(),
        };
        return new PassOutput(output, record);
    }

    private Configuration ReadConfiguration(PassParameters parameters)
    {
        parameters.EnsureKnown(this);
        var used = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var mode = parameters.GetText(this, "mode");
        if (mode is not (Unstructured or NOfM))
        {
            throw new InvalidPassConfigurationException(Name, $"Parameter 'mode' of pass '{Name}' must be '{Unstructured}' or '{NOfM}', not '{mode}'.");
        }

        used["mode"] = mode;
        double sparsity = 0;
        var scope = LayerScope;
        int n = 0, m = 0;
        if (mode == Unstructured)
        {
            sparsity = parameters.GetReal(this, "sparsity");
            if (!(sparsity >= 0 && sparsity <= MaxSparsity))
            {
                throw new InvalidPassConfigurationException(Name, $"Parameter 'sparsity' of pass '{Name}' must be in [0, {MaxSparsity.ToString(CultureInfo.InvariantCulture)}], not {sparsity.ToString(CultureInfo.InvariantCulture)}.");
            }

            scope = parameters.GetText(this, "scope");
            if (scope is not (LayerScope or GlobalScope))
            {
                throw new InvalidPassConfigurationException(Name, $"Parameter 'scope' of pass '{Name}' must be '{LayerScope}' or '{GlobalScope}', not '{scope}'.");
            }

            used["sparsity"] = ParameterValue.Of(sparsity).ToString();
            used["scope"] = scope;
        }
        else
        {
            var nValue = parameters.GetInteger(this, "n");
            var mValue = parameters.GetInteger(this, "m");
            if (mValue < 2 || mValue > 64)
            {
                throw new InvalidPassConfigurationException(Name, $"Parameter 'm' of pass '{Name}' must be in [2, 64], not {mValue}.");
            }

            if (nValue < 1 || nValue >= mValue)
            {
                throw new InvalidPassConfigurationException(Name, $"Parameter 'n' of pass '{Name}' must be in [1, m-1] = [1, {mValue - 1}] (n non-zeros kept per group of m), not {nValue}.");
            }

            n = (int)nValue;
            m = (int)mValue;
            used["n"] = n.ToString(CultureInfo.InvariantCulture);
            used["m"] = m.ToString(CultureInfo.InvariantCulture);
        }

        var minParams = parameters.GetInteger(this, "min-params");
        if (minParams < 0)
        {
            throw new InvalidPassConfigurationException(Name, $"Parameter 'min-params' of pass '{Name}' must be non-negative, not {minParams}.");
        }

        used["min-params"] = minParams.ToString(CultureInfo.InvariantCulture);
        var keepFirst = parameters.GetBoolean(this, "keep-first");
        var keepLast = parameters.GetBoolean(this, "keep-last");
        used["keep-first"] = keepFirst ? "true" : "false";
        used["keep-last"] = keepLast ? "true" : "false";
        var compensation = CompensationSettings.Read(this, parameters, used);
        return new Configuration(mode, sparsity, scope, n, m, minParams, keepFirst, keepLast, compensation, used);
    }

    private sealed record Configuration(
        string Mode,
        double Sparsity,
        string Scope,
        int N,
        int M,
        long MinParams,
        bool KeepFirst,
        bool KeepLast,
        CompensationOptions? Compensation,
        IReadOnlyDictionary<string, string> Used);
}
