using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pruning;
using Google.Protobuf;
using Onnx;
using static FunctionsOpt.Core.Tests.Passes.Pruning.PruningModels;

namespace FunctionsOpt.Core.Tests.Passes.Pruning;

public sealed class MagnitudePruningPassTests
{
    private static readonly MagnitudePruningPass Pass = new();

    [Theory]
    [InlineData(LinearForm.MatMulAdd, 0.5)]
    [InlineData(LinearForm.Gemm, 0.7)]
    [InlineData(LinearForm.GemmTransB, 0.3)]
    public void Apply_UnstructuredLayerScope_EachLayerHasRequestedSparsity(LinearForm form, double sparsity)
    {
        var model = Mlp(1, form, 12, 20, 20, 5);

        var output = Pass.Apply(model, Parameters(("sparsity", sparsity), ("min-params", 0)), Context());

        for (var i = 0; i < 3; i++)
        {
            var weights = Weights(output.Model, $"W{i}");
            var expected = (long)Math.Round(sparsity * weights.Length, MidpointRounding.AwayFromZero);
            Assert.Equal(expected, weights.LongCount(w => w == 0));

            // The pruned ones are the smallest magnitudes of the original.
            var original = Weights(model, $"W{i}");
            var largestPruned = original.Where((_, j) => weights[j] == 0).Max(Math.Abs);
            var smallestKept = original.Where((_, j) => weights[j] != 0).Min(Math.Abs);
            Assert.True(largestPruned <= smallestKept);
            Assert.All(original.Where((_, j) => weights[j] != 0).Zip(weights.Where(w => w != 0)), p => Assert.Equal(p.First, p.Second));
        }

        Run(output.Model, RandomData(2, 8, 12), "y");
        Assert.Contains(output.Record.Notes, n => n.StartsWith("overall: sparsity", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_GlobalScope_OneThresholdAcrossLayers()
    {
        var model = Mlp(3, LinearForm.Gemm, 8, 32, 16, 4);

        var output = Pass.Apply(model, Parameters(("sparsity", 0.6), ("scope", "global"), ("min-params", 0)), Context());

        var original = Enumerable.Range(0, 3).SelectMany(i => Weights(model, $"W{i}")).ToArray();
        var pruned = Enumerable.Range(0, 3).SelectMany(i => Weights(output.Model, $"W{i}")).ToArray();
        Assert.Equal((long)Math.Round(0.6 * original.Length, MidpointRounding.AwayFromZero), pruned.LongCount(w => w == 0));
        var largestPruned = original.Where((_, j) => pruned[j] == 0).Max(Math.Abs);
        var smallestKept = original.Where((_, j) => pruned[j] != 0).Min(Math.Abs);
        Assert.True(largestPruned <= smallestKept);
        Run(output.Model, RandomData(4, 8, 8), "y");
    }

    [Fact]
    public void Apply_TwoOfFourMatMul_ExactlyTwoZerosPerGroupAlongK()
    {
        var model = Mlp(5, LinearForm.MatMulAdd, 8, 12, 6);

        var output = Pass.Apply(model, Parameters(("mode", "nm"), ("min-params", 0)), Context());

        // W [K, N]: the groups of output column n are W[g..g+3, n].
        foreach (var (name, k, n) in new[] { ("W0", 8, 12), ("W1", 12, 6) })
        {
            var w = Weights(output.Model, name);
            var original = Weights(model, name);
            for (var col = 0; col < n; col++)
            {
                for (var g = 0; g < k; g += 4)
                {
                    var group = Enumerable.Range(g, 4).Select(r => (r * n) + col).ToArray();
                    Assert.Equal(2, group.Count(i => w[i] == 0));
                    var kept = group.Where(i => w[i] != 0).Select(i => Math.Abs(original[i])).Min();
                    var dropped = group.Where(i => w[i] == 0).Select(i => Math.Abs(original[i])).Max();
                    Assert.True(dropped <= kept);
                }
            }
        }

        Run(output.Model, RandomData(6, 4, 8), "y");
    }

    [Fact]
    public void Apply_TwoOfFourGemmTransB_GroupsAreContiguousRowsOfB()
    {
        var model = Mlp(7, LinearForm.GemmTransB, 16, 8, 4);

        var output = Pass.Apply(model, Parameters(("mode", "nm"), ("n", 2), ("m", 4), ("min-params", 0)), Context());

        var w = Weights(output.Model, "W0"); // [8, 16]: row n holds the 16 input weights of unit n.
        for (var start = 0; start < w.Length; start += 4)
        {
            Assert.Equal(2, w.Skip(start).Take(4).Count(v => v == 0));
        }

        Run(output.Model, RandomData(8, 4, 16), "y");
    }

    [Fact]
    public void Apply_OneOfFourConv_GroupsRunAlongInputChannels()
    {
        var model = TwoConv(9, 4, 8, 4);

        var output = Pass.Apply(model, Parameters(("mode", "nm"), ("n", 1), ("m", 4), ("min-params", 0)), Context());

        // W1 [4, 8, 3, 3]: for each output channel and kernel position, channels 0-3 and 4-7 keep one weight each.
        var w = Weights(output.Model, "W1");
        for (var m = 0; m < 4; m++)
        {
            for (var s = 0; s < 9; s++)
            {
                for (var g = 0; g < 8; g += 4)
                {
                    var nonZero = Enumerable.Range(g, 4).Count(c => w[(m * 72) + (c * 9) + s] != 0);
                    Assert.Equal(1, nonZero);
                }
            }
        }

        Run(output.Model, RandomData(10, 2, 4, 6, 6), "y");
    }

    [Fact]
    public void Apply_GroupAxisNotMultipleOfM_LayerSkippedWithReason()
    {
        var model = Mlp(11, LinearForm.Gemm, 6, 8, 4);

        var output = Pass.Apply(model, Parameters(("mode", "nm"), ("min-params", 0)), Context());

        Assert.Contains(output.Record.Skipped, s => s.Contains("fc0", StringComparison.Ordinal) && s.Contains("not a multiple of m=4", StringComparison.Ordinal));
        Assert.Equal(Weights(model, "W0"), Weights(output.Model, "W0"));
        Assert.Equal(16, Weights(output.Model, "W1").Count(v => v == 0));
    }

    [Fact]
    public void Apply_TinyAndSensitiveLayers_SkippedAndReported()
    {
        var model = Mlp(12, LinearForm.Gemm, 4, 64, 64, 3);

        var output = Pass.Apply(model, Parameters(("min-params", 1024), ("keep-last", true)), Context());

        Assert.Contains(output.Record.Skipped, s => s.StartsWith("fc0", StringComparison.Ordinal) && s.Contains("256 parameters < min-params 1024", StringComparison.Ordinal));
        Assert.Contains(output.Record.Skipped, s => s.StartsWith("fc2", StringComparison.Ordinal) && s.Contains("keep-last", StringComparison.Ordinal));
        Assert.Equal(Weights(model, "W0"), Weights(output.Model, "W0"));
        Assert.Equal(Weights(model, "W2"), Weights(output.Model, "W2"));
        Assert.Equal(2048, Weights(output.Model, "W1").Count(v => v == 0));
        Assert.Contains(output.Record.Notes, n => n.StartsWith("fc1", StringComparison.Ordinal) && n.Contains("sparsity 0.5000 (2048/4096)", StringComparison.Ordinal));
        Assert.Equal(1, output.Record.NodesTouched);
    }

    [Theory]
    [InlineData("sparsity", 1.0)]
    [InlineData("sparsity", 0.96)]
    [InlineData("sparsity", -0.1)]
    public void Apply_SparsityOutOfRange_ThrowsInvalidConfiguration(string name, double value)
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), Parameters((name, value)), Context()));
        Assert.Equal("prune-magnitude", error.Pass);
        Assert.Contains("sparsity", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, 4)]
    [InlineData(4, 4)]
    [InlineData(0, 4)]
    public void Apply_BadNOfM_ThrowsInvalidConfiguration(int n, int m)
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), Parameters(("mode", "nm"), ("n", n), ("m", m)), Context()));
        Assert.Contains("'n'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scope", "network")]
    [InlineData("mode", "random")]
    [InlineData("compensation", "magic")]
    public void Apply_UnknownChoice_ThrowsInvalidConfiguration(string name, string value)
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), Parameters((name, value)), Context()));
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_UnknownParameter_ThrowsInvalidConfiguration()
    {
        Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), Parameters(("density", 0.5)), Context()));
    }

    [Fact]
    public void Apply_CompensationWithoutCalibrationData_ThrowsInvalidConfiguration()
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), Parameters(("compensation", "bias")), Context()));
        Assert.Contains("calibration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_GraphWithoutWeights_ThrowsNotApplicable()
    {
        var graph = new GraphProto { Name = "id" };
        graph.Input.Add(Value("x", 4));
        graph.Node.Add(Node("Relu", "relu", ["x"], "y"));
        graph.Output.Add(Value("y", 4));
        var model = Model(graph);

        Assert.False(Pass.CheckApplicability(model).Applies);
        var error = Assert.Throws<PassNotApplicableException>(() => Pass.Apply(model, PassParameters.Empty, Context()));
        Assert.Equal("pass-not-applicable", error.ErrorCode);
    }

    [Fact]
    public void Apply_WeightIsGraphInput_NotApplicableWithReason()
    {
        var model = Mlp(1, LinearForm.Gemm, 4, 8);
        model.Graph.Input.Add(Value("W0", 8));

        var applicability = Pass.CheckApplicability(model);

        Assert.False(applicability.Applies);
        Assert.Contains("graph input", applicability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckApplicability_EveryLayerUnderDefaultMinParams_DoesNotApplyWithReason()
    {
        // Layers of 4x8 = 32 and 8x2 = 16 weights, both under the default min-params of 1024.
        var applicability = Pass.CheckApplicability(Mlp(1, LinearForm.Gemm, 4, 8, 2));

        Assert.False(applicability.Applies);
        Assert.Contains("min-params", applicability.Reason, StringComparison.Ordinal);
        Assert.Contains("largest: 32", applicability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckApplicability_OneLayerAtDefaultMinParams_Applies()
    {
        // 32x32 = 1024 weights: not below the default, so it would be pruned.
        var applicability = Pass.CheckApplicability(Mlp(1, LinearForm.Gemm, 4, 32, 32, 2));

        Assert.True(applicability.Applies);
        Assert.StartsWith("1 of 3", applicability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_AllLayersExcluded_ThrowsNotApplicable()
    {
        Assert.Throws<PassNotApplicableException>(() => Pass.Apply(Mlp(1, LinearForm.Gemm, 4, 8, 2), PassParameters.Empty, Context()));
    }

    [Fact]
    public void Apply_SameInputTwice_ByteIdenticalAndInputUntouched()
    {
        var model = Mlp(13, LinearForm.MatMulAdd, 16, 32, 4);
        var before = model.ToByteArray();
        var parameters = Parameters(("sparsity", 0.5), ("scope", "global"), ("min-params", 0));

        var first = Pass.Apply(model, parameters, Context());
        var second = Pass.Apply(model, parameters, Context());

        Assert.Equal(first.Model.ToByteArray(), second.Model.ToByteArray());
        Assert.Equal(before, model.ToByteArray());
    }

    [Fact]
    public void Apply_Penguins2Of4_OrtLoadsAndEveryGroupHasTwoZeros()
    {
        var model = LoadPenguinsModel();

        var output = Pass.Apply(model, Parameters(("mode", "nm"), ("min-params", 0)), Context());

        foreach (var weight in output.Model.Graph.Initializer.Where(t => t.Name.EndsWith(".weight", StringComparison.Ordinal)))
        {
            var w = Core.Onnx.TensorData.ReadFloats(weight); // Gemm transB = 1: [N, K], groups contiguous.
            for (var start = 0; start < w.Length; start += 4)
            {
                Assert.Equal(2, w.Skip(start).Take(4).Count(v => v == 0));
            }
        }

        var probabilities = Run(output.Model, LoadPenguins(Core.Tests.TestKit.TestPaths.PenguinsEval), "probabilities");
        Assert.All(probabilities, p => Assert.InRange(p, 0, 1));
    }
}
