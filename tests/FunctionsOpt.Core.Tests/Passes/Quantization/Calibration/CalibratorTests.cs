using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes.Quantization.Calibration;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Passes.Quantization.Calibration;

public sealed class CalibratorTests
{
    // y = x·W + b, W = [[1, -1], [2, 0]] (2x2), b = [0.5, 0]: xw = [x0 + 2 x1, -x0].
    private static readonly global::Onnx.ModelProto Linear = TinyModels.Linear(2, 2, [1, -1, 2, 0], [0.5f, 0]);

    private static EvaluationDataset Rows(params float[] values) =>
        new(new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats(values, values.Length / 2, 2) });

    [Fact]
    public void Calibrate_MinMax_ObservedRangeOfEachTensorAcrossBatches()
    {
        // Rows (1,2), (-3,1), (0.5,-4): xw = (5,-1), (-1,3), (-7.5,-0.5); y adds 0.5 to column 0.
        var data = Rows(1, 2, -3, 1, 0.5f, -4);

        var result = new Calibrator(new InferenceSessionFactory()).Calibrate(
            Linear, ["x", "xw", "y"], data, new CalibrationOptions { BatchSize = 2 });

        Assert.Equal(new TensorRange(-4, 2), result.Ranges["x"]);
        Assert.Equal(new TensorRange(-7.5f, 5), result.Ranges["xw"]);
        Assert.Equal(new TensorRange(-7f, 5.5f), result.Ranges["y"]);
        Assert.Equal(3, result.Samples);
    }

    [Fact]
    public void Calibrate_SymmetricPercentile_ClipsOutlierOfAbsoluteValues()
    {
        // x0 = 0.01·k for k = 1..999 plus one outlier 100; x1 = 0. |x| histogram over [0, 100] with 2048 bins of
        // 100/2048: 99.9% of 1000 values = 999 values, all <= 9.99 -> bin floor(9.99·20.48) = 204 -> T = 205·100/2048.
        var values = new float[2000];
        for (var k = 1; k <= 999; k++)
        {
            values[(k - 1) * 2] = 0.01f * k;
        }

        values[1998] = 100;
        var result = new Calibrator(new InferenceSessionFactory()).Calibrate(
            Linear, ["x"], Rows(values), new CalibrationOptions { Method = CalibrationMethod.Percentile, Percentile = 99.9, Symmetric = true });

        var threshold = 205 * 100.0 / 2048;
        Assert.Equal(0f, result.Ranges["x"].Min); // clipped to the observed minimum
        Assert.Equal((float)threshold, result.Ranges["x"].Max, 5);
        Assert.Equal(new TensorRange(0, 100), result.Observed["x"]);
    }

    [Fact]
    public void Calibrate_SameRowsTwice_IdenticalRanges()
    {
        var values = Enumerable.Range(0, 200).Select(i => MathF.Sin(i * 0.37f) * (1 + (i % 7))).ToArray();
        var calibrator = new Calibrator(new InferenceSessionFactory());
        var options = new CalibrationOptions { Method = CalibrationMethod.Entropy };

        var first = calibrator.Calibrate(Linear, ["x", "xw"], Rows(values), options);
        var second = calibrator.Calibrate(Linear, ["x", "xw"], Rows(values), options with { BatchSize = 7 });

        Assert.Equal(first.Ranges, second.Ranges);
    }

    [Fact]
    public void Calibrate_MissingInput_ThrowsInvalidData()
    {
        var data = new EvaluationDataset(new Dictionary<string, DataArray> { ["other"] = DataArray.FromFloats([1, 2], 1, 2) });

        Assert.Throws<Errors.InvalidEvaluationDataException>(() =>
            new Calibrator(new InferenceSessionFactory()).Calibrate(Linear, ["xw"], data, new CalibrationOptions()));
    }
}
