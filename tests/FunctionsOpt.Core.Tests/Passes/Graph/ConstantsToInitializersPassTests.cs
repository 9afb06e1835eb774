using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Graph;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes.Graph;

public sealed class ConstantsToInitializersPassTests
{
    private readonly ConstantsToInitializersPass _pass = new();

    [Fact]
    public void Apply_ConstantTensorAndFloatList_BecomeInitializersWithSameOutputs()
    {
        // y = (x + c1) * c2, c1 a tensor Constant, c2 a value_floats Constant.
        var graph = new GraphProto { Name = "constants" };
        graph.Input.Add(PassTestKit.Value("x", 1, 3));
        var c1 = new NodeProto { OpType = "Constant", Name = "c1_node" };
        c1.Output.Add("c1");
        c1.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = PassTestKit.Floats(string.Empty, [3], [1, 2, 3]) });
        var c2 = new NodeProto { OpType = "Constant", Name = "c2_node" };
        c2.Output.Add("c2");
        var floats = new AttributeProto { Name = "value_floats", Type = AttributeProto.Types.AttributeType.Floats };
        floats.Floats.AddRange([10f, 100f, 1000f]);
        c2.Attribute.Add(floats);
        graph.Node.Add(c1);
        graph.Node.Add(c2);
        graph.Node.Add(PassTestKit.Node("Add", ["x", "c1"], ["s"]));
        graph.Node.Add(PassTestKit.Node("Mul", ["s", "c2"], ["y"]));
        graph.Output.Add(PassTestKit.Value("y", 1, 3));
        var model = PassTestKit.Model(graph, 17);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.Equal(["Add", "Mul"], result.Model.Graph.Node.Select(n => n.OpType));
        Assert.Equal([1f, 2f, 3f], TensorData.ReadFloats(result.Model.Graph.Initializer.Single(t => t.Name == "c1")));
        Assert.Equal([10f, 100f, 1000f], TensorData.ReadFloats(result.Model.Graph.Initializer.Single(t => t.Name == "c2")));
        Assert.Equal(2, result.Record.NodesTouched);
        PassTestKit.AssertLoads(result.Model);
        Assert.Equal([10f, 300f, 3000f], PassTestKit.Run(result.Model, "x", [0f, 1f, 0f], [1, 3]));
    }

    [Fact]
    public void Apply_ConstantIsGraphOutput_ThrowsNotApplicableSayingWhy()
    {
        var graph = new GraphProto { Name = "constant_out" };
        graph.Input.Add(PassTestKit.Value("x", 1));
        var c = new NodeProto { OpType = "Constant", Name = "c_node" };
        c.Output.Add("c");
        c.Attribute.Add(new AttributeProto { Name = "value_float", Type = AttributeProto.Types.AttributeType.Float, F = 2f });
        graph.Node.Add(c);
        graph.Output.Add(PassTestKit.Value("c"));
        var model = PassTestKit.Model(graph, 17);

        var error = Assert.Throws<PassNotApplicableException>(() => _pass.Apply(model, PassParameters.Empty, PassTestKit.Context()));

        Assert.Contains("graph output", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckApplicability_NoConstants_SaysNo() =>
        Assert.False(_pass.CheckApplicability(PassTestKit.ConvBatchNorm()).Applies);
}
