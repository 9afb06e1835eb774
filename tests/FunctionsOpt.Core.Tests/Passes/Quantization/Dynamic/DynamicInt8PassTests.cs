using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Evaluation.Metrics;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Quantization.Dynamic;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;

namespace FunctionsOpt.Core.Tests.Passes.Quantization.Dynamic;

public sealed class DynamicInt8PassTests(ITestOutputHelper output)
{
    private readonly DynamicInt8Pass _pass = new();

    private static PassParameters With(params (string Name, ParameterValue Value)[] values) =>
        new(values.ToDictionary(v => v.Name, v => v.Value));

    private static double Accuracy(ModelProto model, EvaluationDataset dataset)
    {
        using var handle = new InferenceSessionFactory().Create(model.ToByteArray(), "penguins", new SessionSettings { IntraOpThreads = 1 });
        var result = ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest { BatchSize = 16 }).Result;
        return Assert.IsType<ClassificationReport>(result.Classification).Accuracy;
    }

    [Theory]
    [InlineData("fused", true, 3.8)]
    [InlineData("integer", true, 3.8)]
    [InlineData("fused", false, 3.99)]
    public void Apply_Penguins_AccuracyDropAtMostOnePointAndWeightsFourTimesSmaller(string form, bool perChannel, double minRatio)
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);
        var dataset = DatasetLoader.Load(TestPaths.PenguinsEval, new DatasetLoadOptions
        {
            Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" },
        });
        var parameters = With((DynamicInt8Pass.FormParameter, ParameterValue.Of(form)), (DynamicInt8Pass.PerChannelParameter, ParameterValue.Of(perChannel)));

        var result = _pass.Apply(model, parameters, PassTestKit.Context());

        PassTestKit.AssertLoads(result.Model);
        var fp32 = Accuracy(model, dataset);
        var int8 = Accuracy(result.Model, dataset);
        // fc1 (256x4 = 1024) and fc2 (256x256) are quantized; fc3 (3x256 = 768) is under the default size rule.
        Assert.Equal(2, result.Record.NodesTouched);
        Assert.Contains(result.Record.Skipped, s => s.Contains("768 weight elements", StringComparison.Ordinal));
        var floatBytes = model.Graph.Initializer.Where(t => t.Name is "fc1.weight" or "fc2.weight").Sum(t => (long)t.RawData.Length);
        var int8Bytes = result.Model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Int8).Sum(t => (long)t.RawData.Length);
        var scaleBytes = result.Model.Graph.Initializer.Where(t => t.Name.EndsWith("_scale", StringComparison.Ordinal)).Sum(t => (long)t.RawData.Length);
        Assert.Equal(floatBytes, int8Bytes * 4);
        var ratio = (double)floatBytes / (int8Bytes + scaleBytes);
        output.WriteLine($"penguins int8 {form} per-channel={perChannel}: accuracy {fp32:F4} -> {int8:F4}, quantized weight bytes {floatBytes} -> {int8Bytes + scaleBytes} ({ratio:F2}x), all initializers {result.Record.InitializerBytesBefore} -> {result.Record.InitializerBytesAfter}");
        Assert.True(fp32 - int8 <= 0.01, $"accuracy {fp32} -> {int8}");
        Assert.True(ratio >= minRatio, $"ratio {ratio}");
        Assert.DoesNotContain(result.Model.Graph.Initializer, t => t.Name is "fc1.weight" or "fc2.weight");
    }

    [Theory]
    [InlineData("fused")]
    [InlineData("integer")]
    public void Apply_TinyMatMul_QuantizesPerColumnAsComputedByHand(string form)
    {
        // W = [[1, -2], [0.5, 4]]: column scales 1/127 and 4/127; q = [[127, -64], [64, 127]] (63.5 rounds to even 64).
        var model = TinyModels.Linear(2, 2, [1, -2, 0.5f, 4], [0, 0]);
        var parameters = With((DynamicInt8Pass.FormParameter, ParameterValue.Of(form)), (DynamicInt8Pass.MinWeightElementsParameter, ParameterValue.Of(0L)));

        var result = _pass.Apply(model, parameters, PassTestKit.Context());

        var q = result.Model.Graph.Initializer.Single(t => t.DataType == (int)TensorProto.Types.DataType.Int8);
        Assert.Equal([127, -64, 64, 127], q.RawData.ToByteArray().Select(b => (int)(sbyte)b));
        var scales = TensorData.ReadFloats(result.Model.Graph.Initializer.Single(t => t.Name.EndsWith("_scale", StringComparison.Ordinal)));
        Assert.Equal([1f / 127, 4f / 127], scales);
        PassTestKit.AssertLoads(result.Model);
        // x = [1, 1] quantizes to [255, 255] with scale 1/255, so y = [(127 + 64) / 127, (-64 + 127) * 4 / 127].
        var y = PassTestKit.Run(result.Model, "x", [1f, 1f], [1, 2], "y");
        Assert.Equal(191.0 / 127, y[0], 5);
        Assert.Equal(252.0 / 127, y[1], 5);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    public void Apply_GemmWithTransBAlphaBeta_StaysCloseToFloat(long transB)
    {
        var graph = new GraphProto { Name = "gemm" };
        graph.Input.Add(PassTestKit.Value("x", -1, 16));
        graph.Initializer.Add(PassTestKit.Floats("W", transB == 1 ? [8, 16] : [16, 8], PassTestKit.Random(21, 128)));
        graph.Initializer.Add(PassTestKit.Floats("C", [1, 8], PassTestKit.Random(22, 8)));
        graph.Node.Add(PassTestKit.Node("Gemm", ["x", "W", "C"], ["y"], PassTestKit.Int("transB", transB), PassTestKit.Float("alpha", 0.5f), PassTestKit.Float("beta", 3f)));
        graph.Output.Add(PassTestKit.Value("y", -1, 8));
        var model = PassTestKit.Model(graph, 13);
        var x = PassTestKit.Random(23, 4 * 16, 2.0);

        var result = _pass.Apply(model, With((DynamicInt8Pass.MinWeightElementsParameter, ParameterValue.Of(0L))), PassTestKit.Context());

        Assert.Equal("DynamicQuantizeMatMul", Assert.Single(result.Model.Graph.Node).OpType);
        PassTestKit.AssertLoads(result.Model);
        var before = PassTestKit.Run(model, "x", x, [4, 16]);
        var after = PassTestKit.Run(result.Model, "x", x, [4, 16]);
        var range = before.Max() - before.Min();
        var diff = PassTestKit.MaxAbsDiff(before, after);
        Assert.True(diff <= 0.02 * range, $"max diff {diff} over range {range}");
    }

    [Fact]
    public void Apply_AllLayersUnderSizeRule_ThrowsNotApplicableListingThem()
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);

        var error = Assert.Throws<PassNotApplicableException>(() =>
            _pass.Apply(model, With((DynamicInt8Pass.MinWeightElementsParameter, ParameterValue.Of(65537L))), PassTestKit.Context()));

        Assert.Contains("fc2", error.Message, StringComparison.Ordinal);
        Assert.Contains("65536 weight elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_IntegerFormBelowOpset11_ThrowsNotApplicable()
    {
        var model = TinyModels.Linear(2, 2, [1, 2, 3, 4], [0, 0], irVersion: 5, opset: 10);

        var error = Assert.Throws<PassNotApplicableException>(() => _pass.Apply(
            model, With((DynamicInt8Pass.FormParameter, ParameterValue.Of("integer")), (DynamicInt8Pass.MinWeightElementsParameter, ParameterValue.Of(0L))), PassTestKit.Context()));

        Assert.Contains("opset 11", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DynamicInt8Pass.FormParameter, "qdq")]
    [InlineData(DynamicInt8Pass.OpTypesParameter, "Conv")]
    public void Apply_UnknownChoice_ThrowsInvalidConfiguration(string name, string value)
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() =>
            _pass.Apply(PassTestKit.Load(TestPaths.PenguinsModel), With((name, ParameterValue.Of(value))), PassTestKit.Context()));

        Assert.Equal(DynamicInt8Pass.PassName, error.Pass);
    }

    [Fact]
    public void Apply_WrongParameterKind_ThrowsInvalidConfiguration() =>
        Assert.Throws<InvalidPassConfigurationException>(() =>
            _pass.Apply(PassTestKit.Load(TestPaths.PenguinsModel), With((DynamicInt8Pass.PerChannelParameter, ParameterValue.Of("yes"))), PassTestKit.Context()));

    [Fact]
    public void Apply_ResNet18WithoutMatMulOrGemm_ThrowsNotApplicable()
    {
        var model = PassTestKit.Load(TestPaths.ResNet18);

        Assert.False(_pass.CheckApplicability(model).Applies);
        Assert.Throws<PassNotApplicableException>(() => _pass.Apply(model, PassParameters.Empty, PassTestKit.Context()));
    }
}
