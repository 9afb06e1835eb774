using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.Passes.Quantization;
using FunctionsOpt.Core.Tests.TestKit;
using Onnx;
using Xunit.Abstractions;
using static FunctionsOpt.Core.Tests.Passes.RealModels.RealModelKit;

namespace FunctionsOpt.Core.Tests.Passes.RealModels;

/// <summary>
/// The ResNet18 cases of the pass matrix (opset 8, fixed batch 1, 20 Conv + BatchNormalization, residual Adds, no
/// MatMul/Gemm), kept few and on single scenes from samples/resnet18-scenes so the suite stays fast. Graph
/// preparation and fp16 on ResNet18 are covered by their own pass tests.
/// </summary>
public sealed class ResNet18PassMatrixTests(ITestOutputHelper output)
{
    private const string Input = "Input247";
    private static readonly ModelProto Model = PassTestKit.Load(TestPaths.ResNet18);

    [Fact]
    public void QuantizeDynamic_NoMatMulOrGemm_RefusesWithReason() =>
        AssertRefuses(Pass("quantize-dynamic"), Model, Context(), "MatMul or Gemm");

    [Fact]
    public void QuantizeStatic_Opset8WithoutPreparation_RefusesNamingOpsetUpgrade() =>
        AssertRefuses(Pass("quantize-static"), Model, Context(SceneSet(Input, 0)), "opset-upgrade");

    [Fact]
    public void QuantizeStatic_Uint8PerChannelAfterPreparation_FusesEveryConvAndKeepsCosineAbove0_98()
    {
        var calibration = SceneSet(Input, 0, 1, 2, 3);
        var scene = SceneSet(Input, 24);

        var result = RunPipeline(
            Model,
            Context(calibration),
            Step("opset-upgrade"),
            Step("fold-batchnorm"),
            Step("quantize-static", ("activation-type", ParameterValue.Of("uint8")), ("per-channel", ParameterValue.Of(true))));

        var ops = OptimizedOpTypes(result.Model);
        Assert.Equal(Model.Graph.Node.Count(n => n.OpType == "Conv"), ops.Count(o => o == "QLinearConv"));
        Assert.DoesNotContain("Conv", ops);
        var cosine = QuantizationTestKit.Cosine(Outputs(Model, scene), Outputs(result.Model, scene));
        output.WriteLine($"ResNet18 U8S8 per-channel, 4 calibration scenes: cosine {cosine:F5} on scene 24; {ops.Count(o => o == "QLinearConv")} QLinearConv");
        Assert.True(cosine >= 0.98, $"cosine {cosine}");
        Assert.True(result.Model.CalculateSize() * 3.9 <= Model.CalculateSize());
    }

    [Fact]
    public void PruneStructured_Defaults_LoadsAndStopsAtResidualAddsWithReason()
    {
        var scene = SceneSet(Input, 24);

        var result = Pass("prune-structured").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        Assert.Contains(result.Record.Skipped, s => s.Contains("residual", StringComparison.Ordinal));
        var reference = Outputs(Model, scene);
        Assert.Equal(reference.Length, Outputs(result.Model, scene).Length);
        // Only the first conv of each basic block can lose channels; the convs feeding the residual Adds keep theirs.
        var pruned = result.Model.Graph.Node.Where(n => n.OpType == "Conv")
            .Count(n => result.Model.Graph.Initializer.Single(t => t.Name == n.Input[1]).Dims[0] < Model.Graph.Initializer.Single(t => t.Name == Model.Graph.Node.Single(m => m.Output[0] == n.Output[0]).Input[1]).Dims[0]);
        output.WriteLine($"{pruned} Conv layer(s) lost channels; skipped: {result.Record.Skipped.Count}");
        Assert.InRange(pruned, 1, Model.Graph.Node.Count(n => n.OpType == "Conv") / 2);
    }
}
