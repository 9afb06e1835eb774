using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes.Pruning;
using Onnx;

namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>
/// What one layer's input rows look like on calibration data: the mean row E[x] (over every row, so the output mean
/// of any weight matrix is exactly W·E[x] + b) and, when asked, H = Σ x·xᵀ over at most <see cref="MaxHessianRows"/>
/// rows taken at an even stride (a ResNet18 3x3 conv in the first stage sees 3136 patches per image; H over a
/// deterministic subsample keeps the accumulation at seconds without changing what it measures).
/// </summary>
internal sealed class LayerStatistics
{
    /// <summary>Most rows accumulated into H.</summary>
    public const long MaxHessianRows = 8192;

    private LayerStatistics(double[] mean, long rows, ObsReconstruction.HessianAccumulator? hessian)
    {
        Mean = mean;
        Rows = rows;
        Hessian = hessian;
    }

    /// <summary>E[x] per column of the full row (<see cref="LayerInputs.Width"/>).</summary>
    public double[] Mean { get; }

    /// <summary>Rows the mean was taken over.</summary>
    public long Rows { get; }

    /// <summary>Σ x·xᵀ over the sampled rows, or null when not requested.</summary>
    public ObsReconstruction.HessianAccumulator? Hessian { get; }

    /// <summary>Runs <paramref name="model"/> over <paramref name="calibration"/> and collects the statistics of <paramref name="layer"/>'s input.</summary>
    public static LayerStatistics Collect(
        ModelProto model, WeightLayer layer, LayerInputs inputs, EvaluationDataset calibration, InferenceSessionFactory sessions, bool withHessian, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(calibration);
        var sums = new double[inputs.Width];
        var hessian = withHessian ? new ObsReconstruction.HessianAccumulator(inputs.Width) : null;
        var name = layer.Node.Input[0];
        long keepEvery = 0, counter = 0, rows = 0;
        CalibrationRunner.Run(model, [name], calibration, sessions, outputs =>
        {
            var activation = outputs[name];
            var perSample = inputs.RowsPerSample(activation.Shape);
            if (keepEvery == 0)
            {
                var total = perSample * calibration.Count;
                keepEvery = Math.Max(1, (total + MaxHessianRows - 1) / MaxHessianRows);
            }

            rows += perSample * activation.Shape[0];
            inputs.ForEachRow(activation.ToFloatArray(), activation.Shape, keepEvery, ref counter, sums, hessian is null ? null : hessian.AddRow);
        }, cancellationToken);

        var mean = sums.Select(s => s / Math.Max(1, rows)).ToArray();
        return new LayerStatistics(mean, rows, hessian);
    }
}
