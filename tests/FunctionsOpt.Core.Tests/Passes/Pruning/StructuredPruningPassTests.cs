using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Evaluation.Metrics;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pruning;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;
using static FunctionsOpt.Core.Tests.Passes.Pruning.PruningModels;

namespace FunctionsOpt.Core.Tests.Passes.Pruning;

public sealed class StructuredPruningPassTests(ITestOutputHelper output)
{
    private static readonly StructuredPruningPass Pass = new();
    private static readonly string[] BatchNormParameters = ["bn_scale", "bn_bias", "bn_mean", "bn_var"];

    [Theory]
    [InlineData(LinearForm.MatMulAdd)]
    [InlineData(LinearForm.Gemm)]
    [InlineData(LinearForm.GemmTransB)]
    public void Apply_NeuronWithZeroOutgoingWeights_OutputsUnchanged(LinearForm form)
    {
        // 6 -> 8 -> 5 -> 3; hidden unit 3 of layer 0 has all-zero outgoing weights (row 3 of W1 in [K, N] terms).
        var model = Mlp(41, form, 6, 8, 5, 3);
        ZeroOutgoing(model, "W1", form, 8, 5, unit: 3);
        var data = RandomData(42, 20, 6);

        var result = Pass.Apply(model, Parameters(("ratio", 0.125)), Context());

        Assert.Equal(7, UnitCount(result.Model, "W0", form));
        Assert.Equal(Run(model, data, "y"), Run(result.Model, data, "y"), (a, b) => Math.Abs(a - b) <= 1e-5);
        Assert.Contains(result.Record.Notes, n => n.StartsWith("fc0", StringComparison.Ordinal) && n.Contains("8 -> 7 units", StringComparison.Ordinal));
        Assert.Contains(result.Record.Skipped, s => s.StartsWith("fc1", StringComparison.Ordinal) && s.Contains("removes none", StringComparison.Ordinal));
        Assert.Contains(result.Record.Skipped, s => s.StartsWith("fc2", StringComparison.Ordinal) && s.Contains("graph output", StringComparison.Ordinal));
        Assert.Empty(result.Model.Graph.ValueInfo);
    }

    [Fact]
    public void Apply_ConvChannelWithZeroOutgoingWeights_OutputsUnchangedThroughBatchNormPoolAndFlatten()
    {
        var model = ConvBnNet(43);
        var w1 = Weights(model, "W1"); // [6, 8, 3, 3]: zero input channel 5 of conv1 = outgoing weights of conv0's channel 5.
        for (var m = 0; m < 6; m++)
        {
            Array.Clear(w1, (m * 72) + (5 * 9), 9);
        }

        Replace(model, "W1", [6, 8, 3, 3], w1);
        var wf = Weights(model, "Wf"); // [3, 6] transB: zero column 2 = outgoing weights of conv1's channel 2.
        for (var r = 0; r < 3; r++)
        {
            wf[(r * 6) + 2] = 0;
        }

        Replace(model, "Wf", [3, 6], wf);
        var data = RandomData(44, 10, 4, 6, 6);

        var result = Pass.Apply(model, Parameters(("ratio", 0.17)), Context());

        var graph = result.Model.Graph;
        Assert.Equal([7L, 4, 3, 3], graph.Initializer.Single(t => t.Name == "W0").Dims);
        Assert.Equal([7L], graph.Initializer.Single(t => t.Name == "b0").Dims);
        Assert.All(BatchNormParameters, n => Assert.Equal([7L], graph.Initializer.Single(t => t.Name == n).Dims));
        Assert.Equal([5L, 7, 3, 3], graph.Initializer.Single(t => t.Name == "W1").Dims);
        Assert.Equal([3L, 5], graph.Initializer.Single(t => t.Name == "Wf").Dims);
        Assert.Equal(Run(model, data, "y"), Run(result.Model, data, "y"), (a, b) => Math.Abs(a - b) <= 1e-5);
    }

    [Fact]
    public void Apply_ResidualAdd_ChainSkippedWithReason()
    {
        // x -> fc0 -> Relu -> Add(x) -> fc1 -> y: fc0's units meet the residual x.
        var random = new Random(45);
        var graph = new GraphProto { Name = "residual" };
        graph.Input.Add(Value("x", 8));
        AddLinear(graph, LinearForm.Gemm, "fc0", "x", "W0", "b0", 8, 8, Normal(random, 64, 0.3), Normal(random, 8, 0.1), "z0");
        graph.Node.Add(Node("Relu", "relu0", ["z0"], "h0"));
        graph.Node.Add(Node("Add", "residual", ["h0", "x"], "r0"));
        AddLinear(graph, LinearForm.Gemm, "fc1", "r0", "W1", "b1", 8, 2, Normal(random, 16, 0.3), Normal(random, 2, 0.1), "y");
        graph.Output.Add(Value("y", 2));
        var model = Model(graph);

        Assert.False(Pass.CheckApplicability(model).Applies);
        var error = Assert.Throws<PassNotApplicableException>(() => Pass.Apply(model, PassParameters.Empty, Context()));
        Assert.Contains("fc0", error.Message, StringComparison.Ordinal);
        Assert.Contains("residual", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ConcatAndReshape_SkippedWithReasons()
    {
        var random = new Random(46);
        var graph = new GraphProto { Name = "concat" };
        graph.Input.Add(Value("x", 4));
        AddLinear(graph, LinearForm.Gemm, "fc0", "x", "W0", "b0", 4, 4, Normal(random, 16, 0.3), Normal(random, 4, 0.1), "z0");
        var concat = Node("Concat", "cat", ["z0", "x"], "c0");
        concat.Attribute.Add(IntAttribute("axis", 1));
        graph.Node.Add(concat);
        AddLinear(graph, LinearForm.Gemm, "fc1", "c0", "W1", "b1", 8, 4, Normal(random, 32, 0.3), Normal(random, 4, 0.1), "z1");
        graph.Initializer.Add(TensorData.CreateInt64("shape", [2], [-1, 4]));
        graph.Node.Add(Node("Reshape", "reshape", ["z1", "shape"], "r1"));
        AddLinear(graph, LinearForm.Gemm, "fc2", "r1", "W2", "b2", 4, 2, Normal(random, 8, 0.3), Normal(random, 2, 0.1), "y");
        graph.Output.Add(Value("y", 2));

        var applicability = Pass.CheckApplicability(Model(graph));

        Assert.False(applicability.Applies);
        Assert.Contains("Concat 'cat'", applicability.Reason, StringComparison.Ordinal);
        Assert.Contains("Reshape 'reshape'", applicability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_PenguinsHalfTheNeurons_HiddenWidthHalvesAndOrtLoads()
    {
        var model = LoadPenguinsModel();
        var evaluation = LoadPenguins(TestPaths.PenguinsEval);

        var result = Pass.Apply(model, Parameters(("ratio", 0.5)), Context());

        var graph = result.Model.Graph;
        Assert.Equal([128L, 4], graph.Initializer.Single(t => t.Name == "fc1.weight").Dims);
        Assert.Equal([128L, 128], graph.Initializer.Single(t => t.Name == "fc2.weight").Dims);
        Assert.Equal([3L, 128], graph.Initializer.Single(t => t.Name == "fc3.weight").Dims);
        Assert.Contains(result.Record.Skipped, s => s.StartsWith("fc3_gemm", StringComparison.Ordinal) && s.Contains("Softmax", StringComparison.Ordinal));
        var before = Accuracy(model, evaluation);
        var after = Accuracy(result.Model, evaluation);
        output.WriteLine($"penguins structured 50%: initializer bytes {result.Record.InitializerBytesBefore} -> {result.Record.InitializerBytesAfter}, "
            + $"file {model.CalculateSize()} -> {result.Model.CalculateSize()} bytes, eval accuracy {before:F4} -> {after:F4}");
        foreach (var ratio in new[] { 0.25, 0.75, 0.9 })
        {
            var other = Pass.Apply(model, Parameters(("ratio", ratio)), Context()).Model;
            output.WriteLine($"ratio {ratio}: file {other.CalculateSize()} bytes, eval accuracy {Accuracy(other, evaluation):F4}");
        }

        Assert.True(result.Record.InitializerBytesAfter < result.Record.InitializerBytesBefore / 3);
    }

    [Theory]
    [InlineData("ratio", 1.0)]
    [InlineData("ratio", -0.5)]
    public void Apply_RatioOutOfRange_ThrowsInvalidConfiguration(string name, double value)
    {
        Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), Parameters((name, value)), Context()));
    }

    [Fact]
    public void Apply_UnknownImportance_ThrowsInvalidConfiguration()
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), Parameters(("importance", "taylor")), Context()));
        Assert.Contains("taylor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_SingleLayer_ThrowsNotApplicable()
    {
        Assert.Throws<PassNotApplicableException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8), PassParameters.Empty, Context()));
    }

    [Fact]
    public void Apply_L1AndL2_RemoveLowestProductOfNorms()
    {
        // Unit 0 has tiny incoming weights, unit 1 tiny outgoing ones: both rank lowest under either norm.
        var model = Mlp(47, LinearForm.Gemm, 3, 4, 2);
        var w0 = Weights(model, "W0"); // [3, 4]
        for (var r = 0; r < 3; r++)
        {
            w0[(r * 4) + 0] *= 1e-3f;
        }

        Replace(model, "W0", [3, 4], w0);
        var w1 = Weights(model, "W1"); // [4, 2]
        w1[2] *= 1e-3f;
        w1[3] *= 1e-3f;
        Replace(model, "W1", [4, 2], w1);

        foreach (var norm in new[] { "l1", "l2" })
        {
            var result = Pass.Apply(model, Parameters(("ratio", 0.5), ("importance", norm)), Context()).Model;
            var kept = Weights(result, "W1");
            Assert.Equal(new[] { w1[4], w1[5], w1[6], w1[7] }, kept);
        }
    }

    [Fact]
    public void Apply_SameInputTwice_ByteIdenticalAndInputUntouched()
    {
        var model = ConvBnNet(48);
        var before = model.ToByteArray();

        var first = Pass.Apply(model, PassParameters.Empty, Context()).Model.ToByteArray();
        var second = Pass.Apply(model, PassParameters.Empty, Context()).Model.ToByteArray();

        Assert.Equal(first, second);
        Assert.Equal(before, model.ToByteArray());
    }

    /// <summary>x [4,6,6] -> Conv(8) -> BN -> Relu -> Conv(6) -> Relu -> GlobalAveragePool -> Flatten -> Gemm(transB) -> y [3].</summary>
    private static ModelProto ConvBnNet(int seed)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "convbn" };
        graph.Input.Add(Value("x", 4, 6, 6));
        graph.Initializer.Add(TensorData.CreateFloat("W0", [8, 4, 3, 3], Normal(random, 8 * 36, 0.3)));
        graph.Initializer.Add(TensorData.CreateFloat("b0", [8], Normal(random, 8, 0.1)));
        graph.Initializer.Add(TensorData.CreateFloat("bn_scale", [8], Normal(random, 8, 0.2).Select(v => 1 + v).ToArray()));
        graph.Initializer.Add(TensorData.CreateFloat("bn_bias", [8], Normal(random, 8, 0.1)));
        graph.Initializer.Add(TensorData.CreateFloat("bn_mean", [8], Normal(random, 8, 0.1)));
        graph.Initializer.Add(TensorData.CreateFloat("bn_var", [8], Normal(random, 8, 0.1).Select(v => 1 + Math.Abs(v)).ToArray()));
        graph.Initializer.Add(TensorData.CreateFloat("W1", [6, 8, 3, 3], Normal(random, 6 * 72, 0.2)));
        graph.Initializer.Add(TensorData.CreateFloat("b1", [6], Normal(random, 6, 0.1)));
        graph.Initializer.Add(TensorData.CreateFloat("Wf", [3, 6], Normal(random, 18, 0.5)));
        graph.Initializer.Add(TensorData.CreateFloat("bf", [3], Normal(random, 3, 0.1)));
        graph.Node.Add(Conv("conv0", ["x", "W0", "b0"], "c0"));
        graph.Node.Add(Node("BatchNormalization", "bn0", ["c0", "bn_scale", "bn_bias", "bn_mean", "bn_var"], "n0"));
        graph.Node.Add(Node("Relu", "relu0", ["n0"], "r0"));
        graph.Node.Add(Conv("conv1", ["r0", "W1", "b1"], "c1"));
        graph.Node.Add(Node("Relu", "relu1", ["c1"], "r1"));
        graph.Node.Add(Node("GlobalAveragePool", "gap", ["r1"], "p1"));
        graph.Node.Add(Node("Flatten", "flatten", ["p1"], "f1"));
        var gemm = Node("Gemm", "fc", ["f1", "Wf", "bf"], "y");
        gemm.Attribute.Add(IntAttribute("transB", 1));
        graph.Node.Add(gemm);
        graph.Output.Add(Value("y", 3));
        return Model(graph);
    }

    private static void ZeroOutgoing(ModelProto model, string name, LinearForm form, int k, int n, int unit)
    {
        var w = Weights(model, name);
        for (var c = 0; c < n; c++)
        {
            w[form == LinearForm.GemmTransB ? (c * k) + unit : (unit * n) + c] = 0;
        }

        Replace(model, name, form == LinearForm.GemmTransB ? [n, k] : [k, n], w);
    }

    private static int UnitCount(ModelProto model, string name, LinearForm form)
    {
        var dims = model.Graph.Initializer.Single(t => t.Name == name).Dims;
        return (int)(form == LinearForm.GemmTransB ? dims[0] : dims[1]);
    }

    private static void Replace(ModelProto model, string name, long[] dims, float[] values)
    {
        var list = model.Graph.Initializer;
        var i = list.IndexOf(list.Single(t => t.Name == name));
        list[i] = TensorData.CreateFloat(name, dims, values);
    }

    private static double Accuracy(ModelProto model, Core.Data.EvaluationDataset data)
    {
        using var handle = new InferenceSessionFactory().Create(model.ToByteArray(), "eval", new SessionSettings());
        return Assert.IsType<ClassificationReport>(ModelEvaluator.Evaluate(handle, data, new EvaluationRequest()).Result.Classification).Accuracy;
    }
}
