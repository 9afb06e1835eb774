using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Quantization.Static;
using FunctionsOpt.Core.Search.Space;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;
using static FunctionsOpt.Core.Tests.Passes.Quantization.DequantizedLayers;
using static FunctionsOpt.Core.Tests.Passes.Quantization.QuantizationTestKit;

namespace FunctionsOpt.Core.Tests.Passes.Quantization.Static;

/// <summary>quantize-static with rounding=gptq and bias-correction, checked layer by layer in ONNX Runtime.</summary>
public sealed class StaticInt8CompensationTests(ITestOutputHelper output)
{
    private static readonly StaticInt8Pass Pass = new();
    private static readonly string[] ConvNetLayers = ["conv1", "conv2", "fc"];

    private static PassParameters Params(params (string Name, object Value)[] values) => new(values.ToDictionary(
        v => v.Name,
        v => v.Value switch
        {
            bool b => ParameterValue.Of(b),
            string s => ParameterValue.Of(s),
            _ => throw new ArgumentException("Unsupported value."),
        }));

    private static PassContext Context(EvaluationDataset data) => new(new InferenceSessionFactory(), data);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Apply_GptqRounding_EveryLayerOutputMseNotAboveNearestOnTheSameGrid(bool perChannel)
    {
        var model = ConvNet();
        var calibration = Images(64, 1);

        var nearest = Pass.Apply(model, Params(("per-channel", perChannel)), Context(calibration)).Model;
        var gptq = Pass.Apply(model, Params(("per-channel", perChannel), ("rounding", "gptq")), Context(calibration));

        double nearestTotal = 0, gptqTotal = 0;
        foreach (var name in ConvNetLayers)
        {
            var weightValue = gptq.Model.Graph.Node.Single(n => n.Name == name).Input[1];
            var (integers, scales, stored) = Stored(gptq.Model, weightValue);
            var (nearestIntegers, nearestScales, _) = Stored(nearest, weightValue);
            Assert.Equal((int)TensorProto.Types.DataType.Int8, stored.DataType);
            Assert.Equal(nearestScales, scales);
            Assert.All(integers, q => Assert.InRange(q, -127, 127));
            var nodeOutput = model.Graph.Node.Single(n => n.Name == name).Output[0];
            var expected = RunValue(model, calibration, nodeOutput);
            var nearestMse = Mse(expected, LayerOutput(model, name, Dequantize(nearest, weightValue), calibration));
            var gptqMse = Mse(expected, LayerOutput(model, name, Dequantize(gptq.Model, weightValue), calibration));
            var changed = integers.Zip(nearestIntegers).Count(p => p.First != p.Second);
            output.WriteLine($"{name}: layer output MSE nearest {nearestMse:G4}, gptq {gptqMse:G4}; {changed} of {integers.Length} integers differ");
            Assert.True(gptqMse <= nearestMse, $"{name}: gptq {gptqMse} > nearest {nearestMse}");
            nearestTotal += nearestMse;
            gptqTotal += gptqMse;
        }

        Assert.True(gptqTotal < 0.9 * nearestTotal, $"gptq {gptqTotal} vs nearest {nearestTotal}");
        var ops = OptimizedOpTypes(gptq.Model);
        Assert.Equal(2, ops.Count(o => o == "QLinearConv"));
        Assert.Contains("QGemm", ops);
        Assert.DoesNotContain("Conv", ops);
        Assert.DoesNotContain("Gemm", ops);
        Assert.Contains(gptq.Record.Notes, n => n.StartsWith("gptq: 3 layer(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_BiasCorrection_DequantizedLayerMeanMatchesFloatAndStillFuses()
    {
        // conv1 has no bias: correction adds one as Conv's third input, which must still fuse into QLinearConv.
        var model = ConvNet();
        model.Graph.Node.Single(n => n.Name == "conv1").Input.RemoveAt(2);
        model.Graph.Initializer.Remove(model.Graph.Initializer.Single(t => t.Name == "conv1.bias"));
        var calibration = Images(64, 1);

        var corrected = Pass.Apply(model, Params(("bias-correction", true)), Context(calibration));
        var plain = Pass.Apply(model, PassParameters.Empty, Context(calibration)).Model;

        var ops = OptimizedOpTypes(corrected.Model);
        output.WriteLine(string.Join(", ", ops));
        Assert.Equal(2, ops.Count(o => o == "QLinearConv"));
        Assert.Contains("QGemm", ops);
        Assert.DoesNotContain("Conv", ops);
        var largestPlainGap = 0.0;
        foreach (var name in ConvNetLayers)
        {
            var node = corrected.Model.Graph.Node.Single(n => n.Name == name);
            Assert.Equal(3, node.Input.Count);
            var weight = Dequantize(corrected.Model, node.Input[1]);
            var bias = Dequantize(corrected.Model, node.Input[2]);
            // The int32 bias grid (step input_scale × weight_scale) is as close as a fused kernel can store the
            // corrected float bias, so the match is 1e-5 plus half a step.
            var halfStep = Stored(corrected.Model, node.Input[2]).Scales.Max() / 2;
            var (layerModel, layerOutput) = WithLayer(model, name, weight, bias);
            var channelsFirst = name != "fc";
            var channels = channelsFirst ? (name == "conv1" ? 8 : 16) : 10;
            var wanted = ChannelMeans(RunValue(model, calibration, layerOutput), channels, channelsFirst, calibration.Count);
            var got = ChannelMeans(RunValue(layerModel, calibration, layerOutput), channels, channelsFirst, calibration.Count);
            var gap = wanted.Zip(got).Max(p => Math.Abs(p.First - p.Second));

            var plainNode = plain.Graph.Node.Single(n => n.Name == name);
            var plainBias = plainNode.Input.Count > 2 ? Dequantize(plain, plainNode.Input[2]) : new float[channels];
            var (plainModel, _) = WithLayer(model, name, Dequantize(plain, plainNode.Input[1]), plainBias);
            var plainGot = ChannelMeans(RunValue(plainModel, calibration, layerOutput), channels, channelsFirst, calibration.Count);
            var plainGap = wanted.Zip(plainGot).Max(p => Math.Abs(p.First - p.Second));
            largestPlainGap = Math.Max(largestPlainGap, plainGap);
            output.WriteLine($"{name}: largest channel-mean gap to fp32, nearest {plainGap:G4}, bias-corrected {gap:G4} (half int32 step {halfStep:G3})");
            Assert.True(gap <= 1e-5 + halfStep, $"{name}: {gap}");
        }

        Assert.True(largestPlainGap > 1e-3, $"uncorrected gap {largestPlainGap} too small for the test to mean anything");
        AssertLoads(corrected.Model);
    }

    [Fact]
    public void Apply_BiasCorrectionMatMulWithoutBias_AddsFloatAddAndStillFusesToQLinearMatMul()
    {
        var model = MatMulOnly(16, 8, 7);
        var calibration = Pruning.PruningModels.CorrelatedData(8, 128, 16);

        var corrected = Pass.Apply(model, Params(("bias-correction", true)), Context(calibration));

        var ops = OptimizedOpTypes(corrected.Model);
        output.WriteLine(string.Join(", ", ops));
        Assert.Contains("QLinearMatMul", ops);
        Assert.DoesNotContain("MatMul", ops);
        var add = corrected.Model.Graph.Node.Single(n => n.OpType == "Add");
        Assert.Equal("y", add.Output[0]);
        var bias = TensorData.ReadFloats(corrected.Model.Graph.Initializer.Single(t => t.Name == add.Input[1]));
        var weight = Dequantize(corrected.Model, corrected.Model.Graph.Node.Single(n => n.OpType == "MatMul").Input[1]);
        var (layerModel, layerOutput) = WithLayer(model, "fc", weight, bias);
        var wanted = ChannelMeans(RunValue(model, calibration, "y"), 8, false, calibration.Count);
        var got = ChannelMeans(RunValue(layerModel, calibration, layerOutput), 8, false, calibration.Count);
        Assert.All(wanted.Zip(got), p => Assert.Equal(p.First, p.Second, 1e-5));
    }

    [Fact]
    public void Apply_CompensationOff_ByteIdenticalToDefault()
    {
        var model = ConvNet();
        var calibration = Images(32, 1);

        var plain = Pass.Apply(model, PassParameters.Empty, Context(calibration)).Model.ToByteArray();
        var explicitOff = Pass.Apply(model, Params(("rounding", "nearest"), ("bias-correction", false)), Context(calibration)).Model.ToByteArray();

        Assert.Equal(plain, explicitOff);
    }

    [Fact]
    public void Apply_UnknownRounding_ThrowsInvalidConfiguration()
    {
        Assert.Throws<Core.Errors.InvalidPassConfigurationException>(
            () => Pass.Apply(ConvNet(), Params(("rounding", "stochastic")), Context(Images(8, 1))));
    }

    private static float[] LayerOutput(ModelProto model, string name, float[] weight, EvaluationDataset data)
    {
        var (layerModel, layerOutput) = WithLayer(model, name, weight, null);
        return RunValue(layerModel, data, layerOutput);
    }

    private static double Mse(float[] a, float[] b) => a.Zip(b).Average(p => (p.First - (double)p.Second) * (p.First - (double)p.Second));

    private static void AssertLoads(ModelProto model) => PassTestKit.AssertLoads(model);

    /// <summary>x [batch, k] → MatMul "fc" (W [k, n], no bias) → y, opset 13, seeded weights.</summary>
    private static ModelProto MatMulOnly(int k, int n, int seed)
    {
        var graph = new GraphProto { Name = "matmul" };
        graph.Input.Add(Pruning.PruningModels.Value("x", k));
        graph.Initializer.Add(TensorData.CreateFloat("W", [k, n], Noise(k * n, seed, 0.3f)));
        graph.Node.Add(Pruning.PruningModels.Node("MatMul", "fc", ["x", "W"], "y"));
        graph.Output.Add(Pruning.PruningModels.Value("y", n));
        return Pruning.PruningModels.Model(graph);
    }
}
