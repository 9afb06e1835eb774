using System.Globalization;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Pruning;

/// <summary>
/// Removes whole output units: neurons of MatMul/Gemm layers and output channels of (ungrouped) Conv layers, so the
/// tensors really shrink. For each layer in graph order whose output reaches MatMul/Gemm/Conv consumers only through
/// per-unit ops (bias Add/Sub/Mul/Div with constants, BatchNormalization, activations, Dropout, pools, and a Flatten
/// right after a global pool), <c>floor(ratio · units)</c> units with the lowest importance are removed from the
/// producer's weight and bias, every per-unit parameter on the way and the consumers' input dimension.
/// Importance of unit u = ‖incoming weights of u‖ · ‖outgoing weights of u‖ (L1 or L2 norms, <c>importance</c>), so
/// a unit the next layer ignores scores zero and goes first, and its removal is exact.
/// Chains that reach a graph output, a residual or gated connection (an elementwise op with a non-constant other
/// side), a Concat, a Reshape/Transpose/Flatten it cannot follow, or an op not known to act per unit are left alone
/// and listed in <see cref="PassRecord.Skipped"/> with the reason. Intermediate value_info is cleared (shapes
/// changed); graph inputs and outputs keep their shapes. Stateless and thread-safe; deterministic.
/// </summary>
public sealed class StructuredPruningPass : IModelPass
{
    private const double MaxRatio = 0.9;

    /// <inheritdoc />
    public string Name => "prune-structured";

    /// <inheritdoc />
    public PassKind Kind => PassKind.Pruning;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new FloatParameter("ratio", 0.05, MaxRatio, GridPoints: [0.25, 0.5, 0.75], DefaultValue: 0.5),
        new CategoricalParameter("importance", ["l2", "l1"]),
    ];

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (chains, skipped) = FindChains(model.Clone().Graph);
        return chains.Count > 0
            ? PassApplicability.Yes($"{chains.Count} layer(s) whose units can be removed: {string.Join(", ", chains.Select(c => c.Producer.DisplayName))}")
            : PassApplicability.No("no MatMul/Gemm/Conv output can be narrowed safely" + (skipped.Count > 0 ? ": " + string.Join("; ", skipped) : string.Empty));
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        parameters.EnsureKnown(this);
        var ratio = parameters.GetReal(this, "ratio");
        if (!(ratio >= 0 && ratio <= MaxRatio))
        {
            throw new InvalidPassConfigurationException(Name, $"Parameter 'ratio' of pass '{Name}' must be in [0, {MaxRatio.ToString(CultureInfo.InvariantCulture)}], not {ratio.ToString(CultureInfo.InvariantCulture)}.");
        }

        var importance = parameters.GetText(this, "importance");
        if (importance is not ("l1" or "l2"))
        {
            throw new InvalidPassConfigurationException(Name, $"Parameter 'importance' of pass '{Name}' must be 'l1' or 'l2', not '{importance}'.");
        }

        var output = model.Clone();
        var graph = output.Graph;
        var (layers, skipped) = WeightLayer.Find(graph);
        var skippedAll = new List<string>(skipped);
        var notes = new List<string>();
        var touched = new HashSet<NodeProto>();
        var anyChain = false;
        foreach (var node in layers.Select(l => l.Node).ToList())
        {
            // Earlier steps replaced initializers: re-index and re-read this layer.
            var index = new GraphIndex(graph);
            var layer = WeightLayer.Find(graph).Layers.FirstOrDefault(l => ReferenceEquals(l.Node, node));
            if (layer is null)
            {
                continue;
            }

            var (chain, reason) = NeuronChain.Analyze(index, layer);
            if (chain is null)
            {
                skippedAll.Add($"{layer.DisplayName}: {reason}");
                continue;
            }

            anyChain = true;
            var remove = (int)Math.Floor((ratio * chain.Units) + 1e-9);
            remove = Math.Min(remove, chain.Units - 1);
            if (remove <= 0)
            {
                skippedAll.Add($"{layer.DisplayName}: ratio {GraphEdits.Number(ratio)} of {chain.Units} units removes none");
                continue;
            }

            var scores = Scores(graph, chain, importance == "l1");
            var keep = Enumerable.Range(0, chain.Units)
                .OrderBy(u => scores[u]).ThenBy(u => u)
                .Skip(remove)
                .Order()
                .ToArray();
            foreach (var (tensor, axis) in chain.Slices.Concat(chain.Consumers.Select(c => (c.Weight, c.Axis))).Distinct())
            {
                Slice(graph, tensor, axis, keep);
            }

            touched.Add(node);
            touched.UnionWith(chain.Path);
            touched.UnionWith(chain.Consumers.Select(c => c.Node));
            notes.Add($"{layer.DisplayName}: {chain.Units} -> {keep.Length} units ({importance} importance, lowest removed; "
                + $"through {(chain.Path.Count == 0 ? "no op" : string.Join(", ", chain.Path.Select(p => p.OpType)))} into {string.Join(", ", chain.Consumers.Select(c => c.Node.Name.Length > 0 ? c.Node.Name : c.Node.OpType))})");
        }

        if (!anyChain)
        {
            throw new PassNotApplicableException(Name, "No MatMul/Gemm/Conv output can be narrowed safely: " + string.Join("; ", skippedAll));
        }

        graph.ValueInfo.Clear();
        var before = PassSupport.InitializerBytes(model);
        var after = PassSupport.InitializerBytes(output);
        notes.Add($"initializers {before} -> {after} bytes ({GraphEdits.Fraction(before == 0 ? 0 : 1 - ((double)after / before))} smaller)");
        return new PassOutput(output, new PassRecord
        {
            Pass = Name,
            Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["ratio"] = ParameterValue.Of(ratio).ToString(),
                ["importance"] = importance,
            },
            NodesTouched = touched.Count,
            InitializerBytesBefore = before,
            InitializerBytesAfter = after,
            Skipped = skippedAll,
            Notes = notes,
        });
    }

    private static (List<NeuronChain> Chains, List<string> Skipped) FindChains(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        var (layers, skipped) = WeightLayer.Find(graph);
        var chains = new List<NeuronChain>();
        var reasons = new List<string>(skipped);
        foreach (var layer in layers)
        {
            var (chain, reason) = NeuronChain.Analyze(index, layer);
            if (chain is null)
            {
                reasons.Add($"{layer.DisplayName}: {reason}");
            }
            else
            {
                chains.Add(chain);
            }
        }

        return (chains, reasons);
    }

    private static double[] Scores(GraphProto graph, NeuronChain chain, bool l1)
    {
        var incoming = new double[chain.Units];
        var outgoing = new double[chain.Units];
        var producer = chain.Slices[0];
        Accumulate(GraphEdits.Find(graph, producer.Tensor)!, producer.Axis, incoming, l1);
        foreach (var (_, weight, axis) in chain.Consumers)
        {
            Accumulate(GraphEdits.Find(graph, weight)!, axis, outgoing, l1);
        }

        return incoming.Zip(outgoing, (i, o) => l1 ? i * o : Math.Sqrt(i) * Math.Sqrt(o)).ToArray();
    }

    private static void Accumulate(TensorProto tensor, int axis, double[] sums, bool l1)
    {
        var values = TensorData.ReadFloats(tensor);
        var (outer, length, inner) = Strides(tensor.Dims, axis);
        for (long o = 0; o < outer; o++)
        {
            for (var u = 0; u < length; u++)
            {
                var start = ((o * length) + u) * inner;
                for (long i = 0; i < inner; i++)
                {
                    var v = values[start + i];
                    sums[u] += l1 ? Math.Abs(v) : (double)v * v;
                }
            }
        }
    }

    private static void Slice(GraphProto graph, string name, int axis, int[] keep)
    {
        var tensor = GraphEdits.Find(graph, name)!;
        var values = TensorData.ReadFloats(tensor);
        var (outer, length, inner) = Strides(tensor.Dims, axis);
        var result = new float[outer * keep.Length * inner];
        long target = 0;
        for (long o = 0; o < outer; o++)
        {
            foreach (var u in keep)
            {
                Array.Copy(values, ((o * length) + u) * inner, result, target, inner);
                target += inner;
            }
        }

        var dims = tensor.Dims.ToArray();
        dims[axis] = keep.Length;
        GraphEdits.ReplaceFloats(graph, name, dims, result);
    }

    private static (long Outer, int Length, long Inner) Strides(Google.Protobuf.Collections.RepeatedField<long> dims, int axis) =>
        (dims.Take(axis).Aggregate(1L, (a, b) => a * b), checked((int)dims[axis]), dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b));
}
