using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Pruning;
using Onnx;

namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>What error compensation does.</summary>
/// <param name="Reconstruct">Layer-wise least-squares reconstruction of pruned MatMul/Gemm weights.</param>
/// <param name="BiasCorrection">Shift biases so each layer's per-channel output mean matches the reference's.</param>
/// <param name="Damping">λ in H + λ·mean(diag H)·I.</param>
internal sealed record CompensationOptions(bool Reconstruct, bool BiasCorrection, double Damping);

/// <summary>What compensation changed.</summary>
internal sealed record CompensationReport(
    int LayersReconstructed,
    int BiasesShifted,
    int NodesTouched,
    double WeightedErrorBefore,
    double WeightedErrorAfter,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Skipped);

/// <summary>
/// Compensates a compressed model against its reference, layer by layer in graph order, on calibration inputs.
/// Layers are matched by the name of their output value (passes keep it), and only layers at or after the first
/// one whose weights differ from the reference are touched. For each such layer, on the inputs the compressed model
/// (already compensated upstream) feeds it, as SparseGPT does:
/// <list type="number">
/// <item>Reconstruction (MatMul/Gemm, and Conv with group = 1 on its im2col patches, whose weight has the
/// reference's shape): starting from the reference weights,
/// the pruned positions (exact zeros of the compressed weight) are zeroed again while the remaining weights absorb
/// the error via <see cref="ObsReconstruction"/>; the mask is unchanged.</item>
/// <item>Bias correction (MatMul followed by a constant Add, Gemm, Conv): the bias moves by the difference of the
/// per-channel output means (reference model on its own activations minus compressed model), so the mean matches
/// on the calibration rows. Gemm and Conv without a bias get one.</item>
/// </list>
/// </summary>
internal static class ErrorCompensator
{
    public static CompensationReport Apply(
        ModelProto reference,
        ModelProto target,
        EvaluationDataset calibration,
        InferenceSessionFactory sessions,
        CompensationOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(options);

        var notes = new List<string>();
        var skipped = new List<string>();
        var (layers, _) = WeightLayer.Find(target.Graph);
        var referenceIndex = new GraphIndex(reference.Graph);

        // Pair each target layer with its reference node and weight.
        var pairs = new List<(WeightLayer Layer, float[]? ReferenceWeight, bool Changed)>();
        foreach (var layer in layers)
        {
            var producer = referenceIndex.Producer(layer.Node.Output[0]);
            if (producer is null || producer.OpType != layer.Node.OpType)
            {
                skipped.Add($"{layer.DisplayName}: no {layer.Node.OpType} producing '{layer.Node.Output[0]}' in the reference model");
                continue;
            }

            var referenceWeight = producer.Input.Count > 1 ? referenceIndex.Initializer(producer.Input[1]) : null;
            float[]? referenceValues = null;
            var changed = true;
            if (referenceWeight is not null && referenceWeight.DataType == (int)TensorElementKind.Float && referenceWeight.Dims.SequenceEqual(layer.Weight.Dims))
            {
                referenceValues = TensorData.ReadFloats(referenceWeight);
                changed = !referenceValues.AsSpan().SequenceEqual(TensorData.ReadFloats(layer.Weight));
            }

            pairs.Add((layer, referenceValues, changed));
        }

        var first = pairs.FindIndex(p => p.Changed);
        if (first < 0)
        {
            notes.Add("compensation: no layer differs from the reference; nothing to compensate");
            return new CompensationReport(0, 0, 0, 0, 0, notes, skipped);
        }

        var active = pairs.Skip(first).ToList();
        var sites = active.ToDictionary(p => p.Layer.Node.Output[0], p => BiasSite.Find(target.Graph, p.Layer), StringComparer.Ordinal);
        var referenceMeans = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (options.BiasCorrection)
        {
            var values = sites.Values.Where(s => s.Problem is null).Select(s => s.OutputValue).Distinct(StringComparer.Ordinal).ToList();
            var axes = sites.Values.Where(s => s.Problem is null).GroupBy(s => s.OutputValue, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().ChannelAxis, StringComparer.Ordinal);
            if (values.Count > 0)
            {
                foreach (var (name, mean) in ChannelMeans(reference, values, axes, calibration, sessions, cancellationToken))
                {
                    referenceMeans[name] = mean;
                }
            }
        }

        int reconstructed = 0, shifted = 0;
        double errorBefore = 0, errorAfter = 0;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (layer, referenceWeight, changed) in active)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.Reconstruct && changed)
            {
                var problem = ReconstructionProblem(layer, referenceWeight);
                if (problem is not null)
                {
                    skipped.Add($"{layer.DisplayName}: not reconstructed, {problem}");
                }
                else
                {
                    var (before, after, note) = Reconstruct(target, layer, referenceWeight!, calibration, sessions, options.Damping, cancellationToken);
                    if (note.StartsWith("not reconstructed", StringComparison.Ordinal))
                    {
                        skipped.Add($"{layer.DisplayName}: {note}");
                    }
                    else
                    {
                        errorBefore += before;
                        errorAfter += after;
                        reconstructed++;
                        touched.Add(layer.Node.Output[0]);
                        notes.Add($"reconstruct {layer.DisplayName}: {note}");
                    }
                }
            }

            if (options.BiasCorrection)
            {
                var site = sites[layer.Node.Output[0]];
                if (site.Problem is not null)
                {
                    skipped.Add($"{layer.DisplayName}: no bias correction, {site.Problem}");
                    continue;
                }

                var current = ChannelMeans(target, [site.OutputValue], new Dictionary<string, int> { [site.OutputValue] = site.ChannelAxis }, calibration, sessions, cancellationToken)[site.OutputValue];
                var wanted = referenceMeans[site.OutputValue];
                var delta = new double[current.Length];
                var largest = 0.0;
                for (var c = 0; c < delta.Length; c++)
                {
                    delta[c] = wanted[c] - current[c];
                    largest = Math.Max(largest, Math.Abs(delta[c]));
                }

                if (largest == 0)
                {
                    continue;
                }

                site.Shift(target.Graph, delta);
                shifted++;
                touched.Add(layer.Node.Output[0]);
                notes.Add($"bias {layer.DisplayName}: output mean matched, largest shift {GraphEdits.Number(largest)}");
            }
        }

        if (reconstructed > 0)
        {
            notes.Add($"reconstruction: {reconstructed} layer(s), H-weighted output error {GraphEdits.Number(errorBefore)} -> {GraphEdits.Number(errorAfter)} on {calibration.Count} calibration rows");
        }

        return new CompensationReport(reconstructed, shifted, touched.Count, errorBefore, errorAfter, notes, skipped);
    }

    private static string? ReconstructionProblem(WeightLayer layer, float[]? referenceWeight)
    {
        var inputs = LayerInputs.For(layer, out var problem);
        if (inputs is null)
        {
            return problem;
        }

        if (inputs.Groups > 1)
        {
            // Each group has its own inputs and would need its own H; grouped (depthwise) convs have few weights
            // per output, so bias correction carries most of what compensation can recover there.
            return $"Conv with group = {inputs.Groups} gets bias correction only (reconstruction unrolls group = 1 convolutions)";
        }

        return referenceWeight is null ? "the reference weight is missing, not float32 or has another shape" : null;
    }

    private static (double Before, double After, string Note) Reconstruct(
        ModelProto target, WeightLayer layer, float[] referenceWeight, EvaluationDataset calibration, InferenceSessionFactory sessions, double damping, CancellationToken cancellationToken)
    {
        var k = layer.Inputs;
        var inputs = LayerInputs.For(layer, out _)!;
        var accumulator = LayerStatistics.Collect(target, layer, inputs, calibration, sessions, withHessian: true, cancellationToken).Hessian!;
        var h = accumulator.Finish();
        var (upper, lambda, dead) = ObsReconstruction.InverseFactor(h, k, damping);
        if (upper is null)
        {
            return (0, 0, "not reconstructed, the input Hessian is not positive definite even with damping");
        }

        var current = TensorData.ReadFloats(layer.Weight);
        var original = layer.ReadMatrix(referenceWeight);
        var compressed = layer.ReadMatrix(current);
        var updated = (double[])original.Clone();
        var mask = new bool[k];
        double before = 0, after = 0;
        var prunedCount = 0;
        for (var o = 0; o < layer.Outputs; o++)
        {
            var row = updated.AsSpan(o * k, k);
            for (var i = 0; i < k; i++)
            {
                mask[i] = compressed[(o * k) + i] == 0;
                prunedCount += mask[i] ? 1 : 0;
            }

            ObsReconstruction.UpdateRow(row, mask, upper, k);
            before += ObsReconstruction.RowError(original.AsSpan(o * k, k), compressed.AsSpan(o * k, k), h, k);
            after += ObsReconstruction.RowError(original.AsSpan(o * k, k), row, h, k);
        }

        GraphEdits.ReplaceFloats(target.Graph, layer.Weight.Name, layer.Weight.Dims, layer.WriteMatrix(updated));
        var rows = Math.Max(1, accumulator.Rows);
        var note = $"{accumulator.Rows} activation rows, K={k}, {prunedCount} pruned weights kept at zero, lambda={GraphEdits.Number(lambda)}"
            + (dead > 0 ? $", {dead} dead inputs" : string.Empty)
            + $", output MSE {GraphEdits.Number(before / rows / layer.Outputs)} -> {GraphEdits.Number(after / rows / layer.Outputs)}";
        return (before / rows, after / rows, note);
    }

    private static Dictionary<string, double[]> ChannelMeans(
        ModelProto model, IReadOnlyList<string> values, Dictionary<string, int> axes, EvaluationDataset calibration, InferenceSessionFactory sessions, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        CalibrationRunner.Run(model, values, calibration, sessions, outputs =>
        {
            foreach (var name in values)
            {
                var array = outputs[name];
                var axis = axes[name] < 0 ? array.Rank - 1 : axes[name];
                var channels = checked((int)array.Shape[axis]);
                var inner = array.Shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
                var data = array.ToFloatArray();
                if (!sums.TryGetValue(name, out var sum))
                {
                    sum = new double[channels];
                    sums[name] = sum;
                    counts[name] = 0;
                }

                for (long i = 0; i < data.LongLength; i++)
                {
                    sum[(int)(i / inner % channels)] += data[i];
                }

                counts[name] += data.LongLength / channels;
            }
        }, cancellationToken);

        return sums.ToDictionary(kv => kv.Key, kv => kv.Value.Select(s => s / Math.Max(1, counts[kv.Key])).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Where a layer's bias lives and how to shift it.</summary>
    private sealed class BiasSite
    {
        private readonly WeightLayer _layer;
        private readonly string? _tensor;
        private readonly float _scale;

        private BiasSite(WeightLayer layer, string outputValue, int channelAxis, string? tensor, float scale, string? problem)
        {
            _layer = layer;
            OutputValue = outputValue;
            ChannelAxis = channelAxis;
            _tensor = tensor;
            _scale = scale;
            Problem = problem;
        }

        /// <summary>The value whose mean is matched (after the bias).</summary>
        public string OutputValue { get; }

        /// <summary>Channel axis of that value; -1 = last.</summary>
        public int ChannelAxis { get; }

        /// <summary>Why the bias cannot be shifted, or null.</summary>
        public string? Problem { get; }

        public static BiasSite Find(GraphProto graph, WeightLayer layer)
        {
            var index = new GraphIndex(graph);
            var node = layer.Node;
            var output = node.Output[0];
            var n = layer.Outputs;
            switch (layer.Op)
            {
                case WeightLayerOp.MatMul:
                    var consumers = index.Consumers(output);
                    if (consumers.Count == 1 && consumers[0].OpType == "Add" && !index.IsGraphOutput(output))
                    {
                        var add = consumers[0];
                        var other = add.Input[0] == output ? add.Input[1] : add.Input[0];
                        var tensor = index.Initializer(other);
                        if (tensor is not null && IsChannelVector(tensor, n) && index.Consumers(other).Count == 1)
                        {
                            return new BiasSite(layer, add.Output[0], -1, other, 1, null);
                        }
                    }

                    return new BiasSite(layer, output, -1, null, 1, "MatMul is not followed by an Add of a float32 bias vector of its width");
                case WeightLayerOp.Gemm:
                    var beta = GraphIndex.FloatAttribute(node, "beta", 1);
                    if (beta == 0)
                    {
                        return new BiasSite(layer, output, -1, null, 1, "Gemm has beta = 0");
                    }

                    return Existing(index, layer, output, -1, 2, beta);
                default:
                    return Existing(index, layer, output, 1, 2, 1);
            }
        }

        public void Shift(GraphProto graph, double[] delta)
        {
            var values = new float[delta.Length];
            if (_tensor is not null)
            {
                var existing = GraphEdits.Find(graph, _tensor)!;
                var old = TensorData.ReadFloats(existing);
                for (var c = 0; c < values.Length; c++)
                {
                    values[c] = (float)(old[c] + (delta[c] / _scale));
                }

                GraphEdits.ReplaceFloats(graph, _tensor, existing.Dims, values);
                return;
            }

            for (var c = 0; c < values.Length; c++)
            {
                values[c] = (float)(delta[c] / _scale);
            }

            var name = new GraphIndex(graph).UniqueName(_layer.Node.Output[0] + "_bias");
            graph.Initializer.Add(TensorData.CreateFloat(name, [values.Length], values));
            if (_layer.Node.Input.Count > 2)
            {
                _layer.Node.Input[2] = name;
            }
            else
            {
                _layer.Node.Input.Add(name);
            }
        }

        private static BiasSite Existing(GraphIndex index, WeightLayer layer, string output, int axis, int position, float scale)
        {
            var node = layer.Node;
            if (node.Input.Count <= position || node.Input[position].Length == 0)
            {
                return new BiasSite(layer, output, axis, null, scale, null);
            }

            var name = node.Input[position];
            var tensor = index.Initializer(name);
            if (tensor is null || !IsChannelVector(tensor, layer.Outputs))
            {
                return new BiasSite(layer, output, axis, null, scale, $"bias '{name}' is not a float32 initializer with one value per output channel");
            }

            return index.Consumers(name).Count == 1
                ? new BiasSite(layer, output, axis, name, scale, null)
                : new BiasSite(layer, output, axis, null, scale, $"bias '{name}' is shared with other nodes");
        }

        private static bool IsChannelVector(TensorProto tensor, int channels) =>
            tensor.DataType == (int)TensorElementKind.Float
            && tensor.DataLocation != TensorProto.Types.DataLocation.External
            && TensorData.ElementCount(tensor) == channels
            && tensor.Dims.Count >= 1 && tensor.Dims[^1] == channels;
    }
}
