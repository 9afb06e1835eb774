using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Quantization.Dynamic;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.Passes.Pruning;
using Onnx;
using Xunit.Abstractions;
using static FunctionsOpt.Core.Tests.Passes.Quantization.DequantizedLayers;

namespace FunctionsOpt.Core.Tests.Passes.Quantization.Dynamic;

/// <summary>quantize-dynamic with rounding=gptq and bias-correction; the bias stays float, so the mean match is exact.</summary>
public sealed class DynamicInt8CompensationTests(ITestOutputHelper output)
{
    private static readonly DynamicInt8Pass Pass = new();

    private static PassParameters Params(params (string Name, object Value)[] values) => new(values.Append((Name: "min-weight-elements", Value: (object)0L)).ToDictionary(
        v => v.Name,
        v => v.Value switch
        {
            bool b => ParameterValue.Of(b),
            string s => ParameterValue.Of(s),
            long l => ParameterValue.Of(l),
            _ => throw new ArgumentException("Unsupported value."),
        }));

    private static PassContext Context(EvaluationDataset? data) => new(new InferenceSessionFactory(), data);

    [Theory]
    [InlineData("fused")]
    [InlineData("integer")]
    public void Apply_BiasCorrectionMatMulWithoutBias_OutputMeanMatchesFloatTo1e5(string form)
    {
        var model = MatMulOnly();
        var calibration = PruningModels.CorrelatedData(11, 96, 16);

        var result = Pass.Apply(model, Params(("bias-correction", true), ("per-channel", false), ("form", form)), Context(calibration));

        var (weight, bias) = Stored(result.Model);
        Assert.NotNull(bias);
        var (layerModel, layerOutput) = WithLayer(model, "fc", weight, bias);
        var wanted = ChannelMeans(RunValue(model, calibration, "y"), 8, false, calibration.Count);
        var got = ChannelMeans(RunValue(layerModel, calibration, layerOutput), 8, false, calibration.Count);
        var (plainWeight, _) = Stored(Pass.Apply(model, Params(("per-channel", false), ("form", form)), Context(null)).Model);
        var plain = ChannelMeans(RunValue(WithLayer(model, "fc", plainWeight, null).Model, calibration, "y"), 8, false, calibration.Count);
        output.WriteLine($"largest mean gap: nearest {wanted.Zip(plain).Max(p => Math.Abs(p.First - p.Second)):G4}, corrected {wanted.Zip(got).Max(p => Math.Abs(p.First - p.Second)):G4}");
        Assert.All(wanted.Zip(got), p => Assert.Equal(p.First, p.Second, 1e-5));
        Assert.True(wanted.Zip(plain).Max(p => Math.Abs(p.First - p.Second)) > 1e-4);
        PassTestKit.AssertLoads(result.Model);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Apply_GptqRounding_LayerOutputMseNotAboveNearestOnTheSameGrid(bool perChannel, bool reduceRange)
    {
        var model = PruningModels.Mlp(12, LinearForm.Gemm, 16, 32, 8);
        var calibration = PruningModels.CorrelatedData(13, 128, 16);
        var qmax = reduceRange ? 63 : 127;
        var parameters = new List<(string, object)> { ("per-channel", perChannel), ("reduce-range", reduceRange) };

        var nearest = Pass.Apply(model, Params([.. parameters]), Context(calibration)).Model;
        var gptq = Pass.Apply(model, Params([.. parameters, ("rounding", "gptq")]), Context(calibration));

        double nearestTotal = 0, gptqTotal = 0;
        foreach (var (name, input) in new[] { ("fc0", "x"), ("fc1", "h0") })
        {
            var (gptqInts, gptqScales) = Integers(gptq.Model, name);
            var (nearestInts, nearestScales) = Integers(nearest, name);
            Assert.Equal(nearestScales, gptqScales);
            Assert.All(gptqInts, q => Assert.InRange(q, -qmax, qmax));
            var output0 = model.Graph.Node.Single(n => n.Name == name).Output[0];
            var expected = RunValue(model, calibration, output0);
            var nearestMse = Mse(expected, RunValue(WithLayer(model, name, Stored(nearest, name).Weight, null).Model, calibration, output0));
            var gptqMse = Mse(expected, RunValue(WithLayer(model, name, Stored(gptq.Model, name).Weight, null).Model, calibration, output0));
            output.WriteLine($"{name} (input {input}): layer output MSE nearest {nearestMse:G4}, gptq {gptqMse:G4}");
            Assert.True(gptqMse <= nearestMse, $"{name}: {gptqMse} > {nearestMse}");
            nearestTotal += nearestMse;
            gptqTotal += gptqMse;
        }

        Assert.True(gptqTotal < nearestTotal);
        Assert.Equal(2, gptq.Model.Graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul"));
        PassTestKit.AssertLoads(gptq.Model);
    }

    [Fact]
    public void Apply_GptqWithoutCalibrationData_ThrowsInvalidConfiguration()
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(MatMulOnly(), Params(("rounding", "gptq")), Context(null)));

        Assert.Contains("calibration data", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The dequantized [K, N] weight (alpha folded) and the float bias of layer <paramref name="name"/> (fused or integer form).</summary>
    private static (float[] Weight, float[]? Bias) Stored(ModelProto model, string name = "fc")
    {
        var (integers, scales) = Integers(model, name);
        var columns = scales.Length == 1 ? 0 : scales.Length;
        var weight = integers.Select((q, i) => q * scales[columns == 0 ? 0 : i % columns]).ToArray();
        var graph = model.Graph;
        var fused = graph.Node.FirstOrDefault(n => n.OpType == "DynamicQuantizeMatMul" && n.Name.StartsWith(name + "_", StringComparison.Ordinal));
        var biasName = fused is not null
            ? (fused.Input.Count > 4 ? fused.Input[4] : null)
            : graph.Node.FirstOrDefault(n => n.OpType == "Add" && n.Name.StartsWith(name + "_", StringComparison.Ordinal))?.Input[1];
        return (weight, biasName is null ? null : TensorData.ReadFloats(graph.Initializer.Single(t => t.Name == biasName)));
    }

    private static (long[] Integers, float[] Scales) Integers(ModelProto model, string name)
    {
        var graph = model.Graph;
        var node = graph.Node.First(n => n.OpType is "DynamicQuantizeMatMul" or "MatMulInteger" && n.Name.StartsWith(name + "_", StringComparison.Ordinal));
        var weight = graph.Initializer.Single(t => t.Name == node.Input[1]);
        var integers = weight.RawData.ToByteArray().Select(b => (long)(sbyte)b).ToArray();
        var scaleName = node.OpType == "DynamicQuantizeMatMul"
            ? node.Input[2]
            : graph.Node.Single(n => n.OpType == "Mul" && n.Name.StartsWith(name + "_ScaleMul", StringComparison.Ordinal)).Input[1];
        return (integers, TensorData.ReadFloats(graph.Initializer.Single(t => t.Name == scaleName)));
    }

    private static double Mse(float[] a, float[] b) => a.Zip(b).Average(p => (p.First - (double)p.Second) * (p.First - (double)p.Second));

    /// <summary>x [batch, 16] → MatMul "fc" (W [16, 8], no bias) → y.</summary>
    private static ModelProto MatMulOnly()
    {
        var graph = new GraphProto { Name = "matmul" };
        graph.Input.Add(PruningModels.Value("x", 16));
        graph.Initializer.Add(TensorData.CreateFloat("W", [16, 8], QuantizationTestKit.Noise(128, 9, 0.3f)));
        graph.Node.Add(PruningModels.Node("MatMul", "fc", ["x", "W"], "y"));
        graph.Output.Add(PruningModels.Value("y", 8));
        return PruningModels.Model(graph);
    }
}
