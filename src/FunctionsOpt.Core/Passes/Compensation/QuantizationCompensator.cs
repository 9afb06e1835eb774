using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes.Pruning;
using Onnx;

namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>One layer a quantizer is about to store as integers, on the quantizer's own grid.</summary>
/// <param name="Layer">The layer in the float model the statistics are taken on (its geometry and input value).</param>
/// <param name="Weights">The float weights the quantizer rounds, row-major [Outputs, Inputs] (e.g. alpha·B for a Gemm).</param>
/// <param name="RowScales">Scale of each output row (one value repeated for per-tensor scales).</param>
/// <param name="Qmax">Largest integer magnitude (symmetric grid, zero point 0).</param>
internal sealed record QuantizedLayer(WeightLayer Layer, double[] Weights, float[] RowScales, int Qmax);

/// <summary>What compensation chose for one layer.</summary>
/// <param name="Values">The integers to store, row-major [Outputs, Inputs]; null when rounding stays nearest.</param>
/// <param name="BiasShift">Per output unit, the amount to add to the layer's bias; null without bias correction.</param>
internal sealed record LayerCompensation(int[]? Values, double[]? BiasShift);

/// <summary>The options of <see cref="QuantizationCompensator"/>.</summary>
/// <param name="Gptq">Round with <see cref="GptqRounding"/> instead of to nearest.</param>
/// <param name="BiasCorrection">Shift each bias so the layer's output mean with integer weights equals the float layer's.</param>
/// <param name="Damping">λ in H + λ·mean(diag H)·I for GPTQ.</param>
internal sealed record QuantizationCompensationOptions(bool Gptq, bool BiasCorrection, double Damping = 0.01)
{
    /// <summary>Whether there is anything to do.</summary>
    public bool Any => Gptq || BiasCorrection;
}

/// <summary>
/// Compensates weight rounding for the quantization passes, layer by layer, on the float model's own activations over
/// the calibration rows (every layer sees the inputs the float model gives it, so layers are independent and the
/// result does not depend on activation quantization):
/// <list type="bullet">
/// <item>GPTQ rounding (<see cref="GptqRounding"/>) on H = Σ x·xᵀ of the layer's input rows (im2col patches for
/// Conv, group = 1 only).</item>
/// <item>Bias correction: with Ŵ the dequantized weights actually chosen, the shift W·E[x] − Ŵ·E[x] per output unit,
/// so the layer's output mean over the calibration rows is the float layer's (exact in arithmetic, since the layer
/// is linear in its weights).</item>
/// </list>
/// Deterministic (calibration runs use one thread).
/// </summary>
internal static class QuantizationCompensator
{
    public static IReadOnlyDictionary<WeightLayer, LayerCompensation> Apply(
        ModelProto reference,
        IReadOnlyList<QuantizedLayer> layers,
        EvaluationDataset calibration,
        InferenceSessionFactory sessions,
        QuantizationCompensationOptions options,
        List<string> notes,
        List<string> skipped,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentNullException.ThrowIfNull(skipped);
        var results = new Dictionary<WeightLayer, LayerCompensation>();
        double nearestTotal = 0, gptqTotal = 0;
        var rounded = 0;
        foreach (var item in layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layer = item.Layer;
            var inputs = LayerInputs.For(layer, out var problem);
            if (inputs is null)
            {
                skipped.Add($"{layer.DisplayName}: no rounding compensation, {problem}");
                continue;
            }

            var gptq = options.Gptq;
            if (gptq && inputs.Groups > 1)
            {
                skipped.Add($"{layer.DisplayName}: nearest rounding, GPTQ unrolls group = 1 convolutions only (group = {inputs.Groups})");
                gptq = false;
            }

            if (!gptq && !options.BiasCorrection)
            {
                continue;
            }

            var statistics = LayerStatistics.Collect(reference, layer, inputs, calibration, sessions, gptq, cancellationToken);
            int rows = layer.Outputs, k = layer.Inputs;
            var values = new int[rows * k];
            for (var r = 0; r < rows; r++)
            {
                for (var i = 0; i < k; i++)
                {
                    values[(r * k) + i] = GptqRounding.Nearest(item.Weights[(r * k) + i], item.RowScales[r], item.Qmax);
                }
            }

            int[]? chosen = null;
            if (gptq)
            {
                var h = statistics.Hessian!.Finish();
                var (upper, lambda, _) = ObsReconstruction.InverseFactor(h, k, options.Damping);
                if (upper is null)
                {
                    skipped.Add($"{layer.DisplayName}: nearest rounding, the input Hessian is not positive definite even with damping");
                }
                else
                {
                    chosen = GptqRounding.Round((double[])item.Weights.Clone(), rows, k, item.RowScales, item.Qmax, upper);
                    var (nearestError, gptqError) = (Error(item, values, h), Error(item, chosen, h));
                    var sampled = Math.Max(1, statistics.Hessian.Rows);
                    nearestTotal += nearestError / sampled;
                    gptqTotal += gptqError / sampled;
                    rounded++;
                    notes.Add($"gptq {layer.DisplayName}: {statistics.Hessian.Rows} of {statistics.Rows} input rows, K={k}, lambda={GraphEdits.Number(lambda)}, "
                        + $"layer output MSE nearest {GraphEdits.Number(nearestError / sampled / rows)} -> gptq {GraphEdits.Number(gptqError / sampled / rows)}, "
                        + $"{chosen.Zip(values).Count(p => p.First != p.Second)} of {values.Length} integers differ from nearest");
                    values = chosen;
                }
            }

            double[]? shift = null;
            if (options.BiasCorrection)
            {
                shift = new double[rows];
                for (var r = 0; r < rows; r++)
                {
                    var sum = 0.0;
                    for (var i = 0; i < k; i++)
                    {
                        var error = item.Weights[(r * k) + i] - (values[(r * k) + i] * (double)item.RowScales[r]);
                        sum += error * statistics.Mean[inputs.FullColumn(r, i)];
                    }

                    shift[r] = sum;
                }

                notes.Add($"bias correction {layer.DisplayName}: output mean over {statistics.Rows} input rows, largest shift {GraphEdits.Number(shift.Max(Math.Abs))}");
            }

            results[layer] = new LayerCompensation(chosen, shift);
        }

        if (rounded > 0)
        {
            notes.Add($"gptq: {rounded} layer(s), summed layer output MSE nearest {GraphEdits.Number(nearestTotal)} -> gptq {GraphEdits.Number(gptqTotal)} on float activations");
        }

        return results;
    }

    /// <summary>Σ over rows of (w − ŵ)ᵀ·H·(w − ŵ): the layer's summed squared output error on the sampled rows.</summary>
    private static double Error(QuantizedLayer item, int[] values, double[] h)
    {
        int rows = item.Layer.Outputs, k = item.Layer.Inputs;
        var total = 0.0;
        var dequantized = new double[k];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < k; i++)
            {
                dequantized[i] = values[(r * k) + i] * (double)item.RowScales[r];
            }

            total += ObsReconstruction.RowError(item.Weights.AsSpan(r * k, k), dequantized, h, k);
        }

        return total;
    }
}
