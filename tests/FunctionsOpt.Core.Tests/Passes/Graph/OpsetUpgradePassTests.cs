using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Onnx;
using Xunit.Abstractions;

namespace FunctionsOpt.Core.Tests.Passes.Graph;

public sealed class OpsetUpgradePassTests(ITestOutputHelper output)
{
    private readonly OpsetUpgradePass _pass = new();

    private static PassParameters Target(long opset) => new(new Dictionary<string, ParameterValue> { [OpsetUpgradePass.TargetParameter] = ParameterValue.Of(opset) });

    [Fact]
    public void Apply_ResNet18From8To13_LoadsAndKeepsOutputsTo1e4()
    {
        var model = PassTestKit.Load(TestPaths.ResNet18);
        var input = PassTestKit.Random(42, 3 * 224 * 224, 1.0);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.Equal(13, result.Model.OpsetImport.Single(o => o.Domain.Length == 0).Version);
        Assert.Equal(7, result.Model.IrVersion);
        Assert.All(result.Model.Graph.Node.Where(n => n.OpType == "BatchNormalization"), n => Assert.DoesNotContain(n.Attribute, a => a.Name == "spatial"));
        PassTestKit.AssertLoads(result.Model);
        var diff = PassTestKit.MaxAbsDiff(
            PassTestKit.Run(model, "Input247", input, [1, 3, 224, 224]),
            PassTestKit.Run(result.Model, "Input247", input, [1, 3, 224, 224]));
        output.WriteLine($"ResNet18 opset 8->13 max abs diff: {diff:G4}");
        Assert.True(diff <= 1e-4, $"max diff {diff}");
        Assert.Equal(8, model.OpsetImport.Single().Version);
    }

    [Fact]
    public void Apply_ClipWithAttributesFrom10To13_KeepsMinMaxBehaviour()
    {
        var graph = new GraphProto { Name = "clip" };
        graph.Input.Add(PassTestKit.Value("x", 1, 6));
        graph.Node.Add(PassTestKit.Node("Clip", ["x"], ["y"], PassTestKit.Float("min", -1f), PassTestKit.Float("max", 2f)));
        graph.Output.Add(PassTestKit.Value("y", 1, 6));
        var model = PassTestKit.Model(graph, 10, ir: 5);
        float[] x = [-3f, -1f, -0.5f, 0.5f, 2f, 7f];

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        var clip = Assert.Single(result.Model.Graph.Node);
        Assert.Empty(clip.Attribute);
        Assert.Equal(3, clip.Input.Count);
        PassTestKit.AssertLoads(result.Model);
        Assert.Equal([-1f, -1f, -0.5f, 0.5f, 2f, 2f], PassTestKit.Run(result.Model, "x", x, [1, 6]));
        Assert.Equal(PassTestKit.Run(model, "x", x, [1, 6]), PassTestKit.Run(result.Model, "x", x, [1, 6]));
    }

    [Fact]
    public void Apply_ClipWithOnlyMax_LeavesMinInputEmpty()
    {
        var graph = new GraphProto { Name = "clip" };
        graph.Input.Add(PassTestKit.Value("x", 1, 3));
        graph.Node.Add(PassTestKit.Node("Clip", ["x"], ["y"], PassTestKit.Float("max", 0.25f)));
        graph.Output.Add(PassTestKit.Value("y", 1, 3));
        var model = PassTestKit.Model(graph, 9, ir: 4);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.Equal(["x", string.Empty, "Clip_y_max"], result.Model.Graph.Node[0].Input);
        Assert.Equal([-5f, 0.25f, 0.25f], PassTestKit.Run(result.Model, "x", [-5f, 0.25f, 9f], [1, 3]));
    }

    [Fact]
    public void Apply_SoftmaxOnMiddleAxisOf3D_RewritesToTheOldFlattenSemantics()
    {
        // Opset 11 Softmax(axis=1) on [2,3,4] normalizes over the 12 values of each row; opset 13 would normalize over axis 1 only.
        var graph = new GraphProto { Name = "softmax" };
        graph.Input.Add(PassTestKit.Value("x", 2, 3, 4));
        graph.Node.Add(PassTestKit.Node("Softmax", ["x"], ["y"], PassTestKit.Int("axis", 1)));
        graph.Output.Add(PassTestKit.Value("y", 2, 3, 4));
        var model = PassTestKit.Model(graph, 11, ir: 6);
        var x = PassTestKit.Random(3, 24, 2.0);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.Equal(["Shape", "Flatten", "Softmax", "Reshape"], result.Model.Graph.Node.Select(n => n.OpType));
        var after = PassTestKit.Run(result.Model, "x", x, [2, 3, 4]);
        var diff = PassTestKit.MaxAbsDiff(PassTestKit.Run(model, "x", x, [2, 3, 4]), after);
        Assert.True(diff <= 1e-6, $"max diff {diff}");
        // Independently: each block of 12 sums to one.
        Assert.Equal(1.0, after.Take(12).Sum(v => (double)v), 5);
        Assert.Equal(1.0, after.Skip(12).Sum(v => (double)v), 5);
    }

    [Fact]
    public void Apply_SoftmaxOnLastAxisOf2D_KeepsSingleNode()
    {
        var model = TinyModels.Linear(2, 3, [1, 2, 3, 4, 5, 6], [0, 0, 0], softmax: true, irVersion: 6, opset: 11);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        var softmax = result.Model.Graph.Node.Single(n => n.OpType == "Softmax");
        Assert.Equal(1, softmax.Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(3, result.Model.Graph.Node.Count);
        PassTestKit.AssertLoads(result.Model);
    }

    [Fact]
    public void Apply_UnsqueezeAndReduceSumAxesAttributes_BecomeInputsWithSameOutputs()
    {
        var graph = new GraphProto { Name = "axes" };
        graph.Input.Add(PassTestKit.Value("x", 2, 3));
        graph.Node.Add(PassTestKit.Node("Unsqueeze", ["x"], ["u"], PassTestKit.Ints("axes", 0)));
        graph.Node.Add(PassTestKit.Node("ReduceSum", ["u"], ["y"], PassTestKit.Ints("axes", 2), PassTestKit.Int("keepdims", 0)));
        graph.Output.Add(PassTestKit.Value("y", 1, 2));
        var model = PassTestKit.Model(graph, 11, ir: 6);
        float[] x = [1, 2, 3, 4, 5, 6];

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.All(result.Model.Graph.Node, n => Assert.DoesNotContain(n.Attribute, a => a.Name == "axes"));
        Assert.Equal([6f, 15f], PassTestKit.Run(result.Model, "x", x, [2, 3]));
    }

    [Fact]
    public void Apply_Upsample_ThrowsNotApplicableNamingTheOperator()
    {
        var graph = new GraphProto { Name = "up" };
        graph.Input.Add(PassTestKit.Value("x", 1, 1, 2, 2));
        graph.Initializer.Add(PassTestKit.Floats("scales", [4], [1, 1, 2, 2]));
        graph.Node.Add(PassTestKit.Node("Upsample", ["x", "scales"], ["y"]));
        graph.Output.Add(PassTestKit.Value("y", 1, 1, 4, 4));
        var model = PassTestKit.Model(graph, 9, ir: 4);

        var error = Assert.Throws<PassNotApplicableException>(() => _pass.Apply(model, PassParameters.Empty, PassTestKit.Context()));

        Assert.Contains("Upsample", error.Message, StringComparison.Ordinal);
        Assert.Contains("from opset 9 to 13", error.Message, StringComparison.Ordinal);
        Assert.False(_pass.CheckApplicability(model).Applies);
    }

    [Fact]
    public void Apply_UnreviewedOperator_ThrowsNotApplicableNamingOperatorAndVersions()
    {
        var graph = new GraphProto { Name = "lstm" };
        graph.Input.Add(PassTestKit.Value("x", 1, 1, 2));
        graph.Node.Add(PassTestKit.Node("LSTM", ["x", "W", "R"], ["y"]));
        graph.Output.Add(PassTestKit.Value("y", 1, 1, 1, 2));
        var model = PassTestKit.Model(graph, 9, ir: 4);

        var error = Assert.Throws<PassNotApplicableException>(() => _pass.Apply(model, PassParameters.Empty, PassTestKit.Context()));

        Assert.Contains("LSTM", error.Message, StringComparison.Ordinal);
        Assert.Contains("from opset 9 to 13", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_TargetBelowSource_ThrowsInvalidConfiguration()
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);

        Assert.Throws<InvalidPassConfigurationException>(() => _pass.Apply(model, Target(13), PassTestKit.Context()));
        Assert.Throws<InvalidPassConfigurationException>(() => _pass.Apply(model, Target(18), PassTestKit.Context()));
        Assert.Throws<PassNotApplicableException>(() => _pass.Apply(model, Target(17), PassTestKit.Context()));
    }

    [Fact]
    public void Apply_ConvBatchNormFrom9To17_LoadsAndKeepsOutputs()
    {
        var model = PassTestKit.ConvBatchNorm(opset: 9);
        model.IrVersion = 4;
        var input = PassTestKit.Random(8, 150);

        var result = _pass.Apply(model, Target(17), PassTestKit.Context());

        Assert.Equal(8, result.Model.IrVersion);
        PassTestKit.AssertLoads(result.Model);
        Assert.Equal(PassTestKit.Run(model, "x", input, [2, 3, 5, 5]), PassTestKit.Run(result.Model, "x", input, [2, 3, 5, 5]));
    }
}
