using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;

namespace FunctionsOpt.Core.Tests.Passes.Graph;

public sealed class BatchNormFoldingPassTests(ITestOutputHelper output)
{
    private readonly BatchNormFoldingPass _pass = new();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Apply_ConvThenBatchNorm_OutputsUnchangedTo1e4(bool convBias)
    {
        var model = TinyConv(convBias);
        var input = PassTestKit.Random(7, 2 * 3 * 5 * 5, 2.0);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal("Conv", Assert.Single(result.Model.Graph.Node).OpType);
        Assert.Equal(2, result.Record.NodesTouched);
        PassTestKit.AssertLoads(result.Model);
        var before = PassTestKit.Run(model, "x", input, [2, 3, 5, 5]);
        var after = PassTestKit.Run(result.Model, "x", input, [2, 3, 5, 5]);
        Assert.True(PassTestKit.MaxAbsDiff(before, after) <= 1e-4, $"max diff {PassTestKit.MaxAbsDiff(before, after)}");
        // The BN parameters are gone with the node; the input model is untouched.
        Assert.DoesNotContain(result.Model.Graph.Initializer, t => t.Name is "gamma" or "mean");
        Assert.Contains(model.Graph.Node, n => n.OpType == "BatchNormalization");
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    public void Apply_GemmThenBatchNorm_OutputsUnchangedTo1e4(long transB)
    {
        // x [3,4] -> Gemm(alpha 0.5, beta 2, C [5]) -> BatchNormalization over the 5 columns -> y.
        var graph = new GraphProto { Name = "gemm_bn" };
        graph.Input.Add(PassTestKit.Value("x", 3, 4));
        graph.Initializer.Add(PassTestKit.Floats("W", transB == 1 ? [5, 4] : [4, 5], PassTestKit.Random(11, 20)));
        graph.Initializer.Add(PassTestKit.Floats("C", [5], PassTestKit.Random(12, 5)));
        graph.Initializer.Add(PassTestKit.Floats("gamma", [5], PassTestKit.Random(13, 5, 0.5, 1.0)));
        graph.Initializer.Add(PassTestKit.Floats("beta", [5], PassTestKit.Random(14, 5)));
        graph.Initializer.Add(PassTestKit.Floats("mean", [5], PassTestKit.Random(15, 5)));
        graph.Initializer.Add(PassTestKit.Floats("var", [5], PassTestKit.Random(16, 5, 0.2, 0.5)));
        graph.Node.Add(PassTestKit.Node("Gemm", ["x", "W", "C"], ["g"], PassTestKit.Int("transB", transB), PassTestKit.Float("alpha", 0.5f), PassTestKit.Float("beta", 2f)));
        graph.Node.Add(PassTestKit.Node("BatchNormalization", ["g", "gamma", "beta", "mean", "var"], ["y"]));
        graph.Output.Add(PassTestKit.Value("y", 3, 5));
        var model = PassTestKit.Model(graph, 13);
        var input = PassTestKit.Random(17, 12, 3.0);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        var node = Assert.Single(result.Model.Graph.Node);
        Assert.Equal("Gemm", node.OpType);
        PassTestKit.AssertLoads(result.Model);
        var diff = PassTestKit.MaxAbsDiff(PassTestKit.Run(model, "x", input, [3, 4]), PassTestKit.Run(result.Model, "x", input, [3, 4]));
        Assert.True(diff <= 1e-4, $"max diff {diff}");
    }

    [Fact]
    public void Apply_ConvOutputAlsoReadElsewhere_ThrowsNotApplicableWithReason()
    {
        var model = TinyConv(true);
        model.Graph.Node.Add(PassTestKit.Node("Identity", ["c"], ["c_copy"]));
        model.Graph.Output.Add(PassTestKit.Value("c_copy", 2, 4, 5, 5));

        var error = Assert.Throws<PassNotApplicableException>(() => _pass.Apply(model, PassParameters.Empty, PassTestKit.Context()));

        Assert.Equal(BatchNormFoldingPass.PassName, error.Pass);
        Assert.Contains("other readers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckApplicability_NoBatchNorm_SaysNo()
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);

        var applicability = _pass.CheckApplicability(model);

        Assert.False(applicability.Applies);
        Assert.Throws<PassNotApplicableException>(() => _pass.Apply(model, PassParameters.Empty, PassTestKit.Context()));
    }

    [Fact]
    public void Apply_UnknownParameter_ThrowsInvalidConfiguration()
    {
        var parameters = new PassParameters(new Dictionary<string, Core.Search.Space.ParameterValue> { ["nope"] = Core.Search.Space.ParameterValue.Of(true) });

        Assert.Throws<InvalidPassConfigurationException>(() => _pass.Apply(TinyConv(true), parameters, PassTestKit.Context()));
    }

    [Fact]
    public void Apply_ResNet18_FoldsEveryBatchNormAndKeepsOutputsTo1e4()
    {
        var model = PassTestKit.Load(TestPaths.ResNet18);
        var input = PassTestKit.Random(42, 3 * 224 * 224, 1.0);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(44, result.Record.NodesTouched);
        var before = PassTestKit.Run(model, "Input247", input, [1, 3, 224, 224]);
        var after = PassTestKit.Run(result.Model, "Input247", input, [1, 3, 224, 224]);
        var diff = PassTestKit.MaxAbsDiff(before, after);
        output.WriteLine($"ResNet18 BN folding: max abs diff {diff:G3} (output max {before.Max(Math.Abs):G3}), initializer bytes {result.Record.InitializerBytesBefore} -> {result.Record.InitializerBytesAfter}");
        Assert.True(diff <= 1e-4, $"max diff {diff}");
    }

    private static ModelProto TinyConv(bool convBias)
    {
        // Conv -> BN only (no Relu), so the BN output is the graph output.
        var model = PassTestKit.ConvBatchNorm(convBias);
        model.Graph.Node.RemoveAt(2);
        model.Graph.Output.Clear();
        model.Graph.Output.Add(PassTestKit.Value("bn", 2, 4, 5, 5));
        _ = model.ToByteArray();
        return model;
    }
}
