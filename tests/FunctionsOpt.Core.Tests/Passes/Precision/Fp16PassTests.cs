using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Precision;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;

namespace FunctionsOpt.Core.Tests.Passes.Precision;

public sealed class Fp16PassTests(ITestOutputHelper output)
{
    private readonly Fp16Pass _pass = new();

    private static EvaluationDataset Penguins() => DatasetLoader.Load(TestPaths.PenguinsEval, new DatasetLoadOptions
    {
        Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" },
    });

    [Fact]
    public void Apply_Penguins_OutputsWithin1e2AndSameArgmaxAndHalfTheBytes()
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);
        var dataset = Penguins();
        var features = dataset.Inputs["features"];

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        PassTestKit.AssertLoads(result.Model);
        // Boundaries stay float32.
        Assert.Equal((int)TensorProto.Types.DataType.Float, result.Model.Graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal((int)TensorProto.Types.DataType.Float, result.Model.Graph.Output[0].Type.TensorType.ElemType);
        // The input standardization (Sub mean, Div std) stays float32; every layer weight is float16.
        Assert.All(result.Model.Graph.Initializer, t => Assert.Equal(
            t.Name is "input_mean" or "input_std" ? (int)TensorProto.Types.DataType.Float : (int)TensorProto.Types.DataType.Float16, t.DataType));
        Assert.Equal(2, result.Record.Skipped.Count(s => s.Contains("raw graph input", StringComparison.Ordinal)));
        var ratio = (double)result.Record.InitializerBytesAfter / result.Record.InitializerBytesBefore;
        var fileRatio = (double)result.Model.ToByteArray().Length / model.ToByteArray().Length;

        var shape = features.Shape;
        var before = PassTestKit.Run(model, "features", features.ToFloatArray(), shape);
        var after = PassTestKit.Run(result.Model, "features", features.ToFloatArray(), shape);
        var diff = PassTestKit.MaxAbsDiff(before, after);
        var argmaxChanges = Enumerable.Range(0, dataset.Count).Count(r => ArgMax(before, r, 3) != ArgMax(after, r, 3));
        output.WriteLine($"penguins fp16: initializer bytes {result.Record.InitializerBytesBefore} -> {result.Record.InitializerBytesAfter} ({ratio:F3}), file {fileRatio:F3}, max abs diff {diff:G3}, argmax changes {argmaxChanges}/{dataset.Count}");
        Assert.InRange(ratio, 0.49, 0.52);
        Assert.InRange(fileRatio, 0.45, 0.55);
        Assert.True(diff <= 1e-2, $"max diff {diff}");
        Assert.Equal(0, argmaxChanges);
    }

    [Fact]
    public void Apply_BlockedOperator_RunsInFloat32BetweenCasts()
    {
        // x -> MatMul -> Add -> Softmax(blocked) -> probs; y (the Add output) is also a graph output.
        var model = TinyModels.Linear(2, 3, [1, 2, 3, 4, 5, 6], [0.5f, -1, 0], softmax: true);
        var parameters = new PassParameters(new Dictionary<string, ParameterValue> { [Fp16Pass.ExtraBlockedParameter] = ParameterValue.Of("Softmax") });

        var result = _pass.Apply(model, parameters, PassTestKit.Context());

        var nodes = result.Model.Graph.Node;
        var softmax = nodes.Single(n => n.OpType == "Softmax");
        var castIn = nodes.Single(n => n.Output.Contains(softmax.Input[0]));
        Assert.Equal("Cast", castIn.OpType);
        Assert.Equal((long)TensorProto.Types.DataType.Float, castIn.Attribute.Single(a => a.Name == "to").I);
        Assert.Equal("probs", softmax.Output[0]);
        Assert.Equal("MatMul", nodes.Single(n => n.OpType == "MatMul").OpType);
        Assert.Contains(result.Record.Skipped, s => s.Contains("Softmax", StringComparison.Ordinal));
        PassTestKit.AssertLoads(result.Model);
        // x = [1,1]: y = [5.5, 6, 9] exactly representable in float16.
        Assert.Equal([5.5f, 6f, 9f], PassTestKit.Run(result.Model, "x", [1f, 1f], [1, 2], "y"));
        var probs = PassTestKit.Run(result.Model, "x", [1f, 1f], [1, 2], "probs");
        var expected = new[] { 5.5, 6, 9 }.Select(Math.Exp).ToArray();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i] / expected.Sum(), probs[i], 5);
        }
    }

    [Fact]
    public void Apply_IntegerArithmetic_IsNotConverted()
    {
        // Shape arithmetic: Shape(x) -> Add(int64 one) must stay int64.
        var graph = new GraphProto { Name = "ints" };
        graph.Input.Add(PassTestKit.Value("x", 2, 3));
        graph.Initializer.Add(PassTestKit.Floats("w", [3], [1, 2, 3]));
        var one = new TensorProto { Name = "one", DataType = (int)TensorProto.Types.DataType.Int64 };
        one.Dims.Add(1);
        one.Int64Data.Add(1);
        graph.Initializer.Add(one);
        graph.Node.Add(PassTestKit.Node("Relu", ["x"], ["r"]));
        graph.Node.Add(PassTestKit.Node("Mul", ["r", "w"], ["y"]));
        graph.Node.Add(PassTestKit.Node("Shape", ["y"], ["s"]));
        graph.Node.Add(PassTestKit.Node("Add", ["s", "one"], ["s1"]));
        graph.Output.Add(PassTestKit.Value("y", 2, 3));
        graph.Output.Add(PassTestKit.Value("s1", TensorProto.Types.DataType.Int64, 2));
        var model = PassTestKit.Model(graph, 17);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.Equal((int)TensorProto.Types.DataType.Int64, result.Model.Graph.Initializer.Single(t => t.Name == "one").DataType);
        Assert.Equal((int)TensorProto.Types.DataType.Float16, result.Model.Graph.Initializer.Single(t => t.Name == "w").DataType);
        PassTestKit.AssertLoads(result.Model);
        Assert.Equal([1f, 4f, 9f, 1f, 4f, 9f], PassTestKit.Run(result.Model, "x", [1, 2, 3, 1, 2, 3], [2, 3], "y"));
    }

    [Fact]
    public void Apply_ResNet18_LoadsHalvesWeightsAndStaysClose()
    {
        var model = PassTestKit.Load(TestPaths.ResNet18);
        var input = PassTestKit.Random(42, 3 * 224 * 224, 1.0);

        var result = _pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        PassTestKit.AssertLoads(result.Model);
        var before = PassTestKit.Run(model, "Input247", input, [1, 3, 224, 224]);
        var after = PassTestKit.Run(result.Model, "Input247", input, [1, 3, 224, 224]);
        var cosine = Cosine(before, after);
        var ratio = (double)result.Record.InitializerBytesAfter / result.Record.InitializerBytesBefore;
        output.WriteLine($"ResNet18 fp16: bytes ratio {ratio:F3}, max abs diff {PassTestKit.MaxAbsDiff(before, after):G3}, cosine {cosine:F6}");
        Assert.InRange(ratio, 0.49, 0.51);
        Assert.True(cosine >= 0.999, $"cosine {cosine}");
    }

    [Theory]
    [InlineData(Fp16Pass.BlockListParameter, "everything")]
    [InlineData(Fp16Pass.ExtraBlockedParameter, "Soft max;")]
    [InlineData(Fp16Pass.ExtraBlockedParameter, "Softmax,,Relu")]
    public void Apply_BadBlockList_ThrowsInvalidConfiguration(string name, string value)
    {
        var parameters = new PassParameters(new Dictionary<string, ParameterValue> { [name] = ParameterValue.Of(value) });

        var error = Assert.Throws<InvalidPassConfigurationException>(() => _pass.Apply(PassTestKit.Load(TestPaths.PenguinsModel), parameters, PassTestKit.Context()));

        Assert.Equal(Fp16Pass.PassName, error.Pass);
    }

    [Fact]
    public void Apply_NothingFloat_ThrowsNotApplicable()
    {
        var graph = new GraphProto { Name = "bools" };
        graph.Input.Add(PassTestKit.Value("b", TensorProto.Types.DataType.Bool, 2));
        graph.Node.Add(PassTestKit.Node("Not", ["b"], ["y"]));
        graph.Output.Add(PassTestKit.Value("y", TensorProto.Types.DataType.Bool, 2));

        Assert.Throws<PassNotApplicableException>(() => _pass.Apply(PassTestKit.Model(graph, 17), PassParameters.Empty, PassTestKit.Context()));
    }

    private static int ArgMax(float[] values, int row, int columns)
    {
        var best = 0;
        for (var c = 1; c < columns; c++)
        {
            if (values[row * columns + c] > values[row * columns + best])
            {
                best = c;
            }
        }

        return best;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
