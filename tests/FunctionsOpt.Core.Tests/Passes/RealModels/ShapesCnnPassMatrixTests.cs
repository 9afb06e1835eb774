using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Search.Space;
using Onnx;
using Xunit.Abstractions;
using static FunctionsOpt.Core.Tests.Passes.RealModels.RealModelKit;

namespace FunctionsOpt.Core.Tests.Passes.RealModels;

/// <summary>
/// Every catalogue pass with its default parameters (plus the preparation it needs) on the shapes CNN: four Conv
/// without bias, each followed by an unfolded BatchNormalization, a residual Add, Gemm and Softmax, opset 17.
/// </summary>
public sealed class ShapesCnnPassMatrixTests(ITestOutputHelper output)
{
    private const int Classes = 4;
    private static readonly ModelProto Model = PassTestKit.Load(ShapesModel);
    private static readonly EvaluationDataset Eval = DatasetLoader.Load(ShapesEval);
    private static readonly EvaluationDataset Calibration = DatasetLoader.Load(ShapesCalibration);
    private static readonly float[] Reference = Outputs(Model, Eval);

    [Fact]
    public void ConstantsToInitializers_NoConstantNodes_RefusesWithReason() =>
        AssertRefuses(Pass("constants-to-initializers"), Model, Context(), "Constant");

    [Fact]
    public void OpsetUpgrade_Opset17AboveDefaultTarget13_RefusesAsConfigurationErrorAndNotApplicable()
    {
        var error = Assert.Throws<Core.Errors.InvalidPassConfigurationException>(() => Pass("opset-upgrade").Apply(Model, PassParameters.Empty, Context()));

        Assert.Contains("below the model's opset 17", error.Message, StringComparison.Ordinal);
        Assert.Contains("never downgrades", error.Message, StringComparison.Ordinal);
        Assert.False(Pass("opset-upgrade").CheckApplicability(Model).Applies);
    }

    [Fact]
    public void FoldBatchNorm_FourUnfoldedBatchNorms_FoldsAllCreatesConvBiasesAndKeepsOutputsTo1e4()
    {
        var result = Pass("fold-batchnorm").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        Assert.Equal(4, Model.Graph.Node.Count(n => n.OpType == "BatchNormalization"));
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "BatchNormalization");
        var convs = result.Model.Graph.Node.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(4, convs.Count);
        Assert.All(Model.Graph.Node.Where(n => n.OpType == "Conv"), c => Assert.Equal(2, c.Input.Count));
        foreach (var conv in convs)
        {
            // A bias input was created: one value per output channel of the weight.
            Assert.Equal(3, conv.Input.Count);
            var weight = result.Model.Graph.Initializer.Single(t => t.Name == conv.Input[1]);
            var bias = result.Model.Graph.Initializer.Single(t => t.Name == conv.Input[2]);
            Assert.Equal([weight.Dims[0]], bias.Dims);
        }

        var diff = MaxAbsDiff(Reference, Outputs(result.Model, Eval));
        output.WriteLine($"shapes-cnn BN folding: max abs diff {diff:G3} over {Eval.Count} images");
        Assert.True(diff <= 1e-4, $"max abs diff {diff}");
    }

    [Fact]
    public void OrtOptimize_Defaults_LoadsAndKeepsOutputsTo1e5()
    {
        var result = Pass("ort-optimize").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        Assert.True(MaxAbsDiff(Reference, Outputs(result.Model, Eval)) <= 1e-5);
    }

    [Fact]
    public void Fp16_Defaults_ProbabilitiesWithin0_01AndSameAccuracy()
    {
        var result = Pass("fp16").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        var after = Outputs(result.Model, Eval);
        var diff = MaxAbsDiff(Reference, after);
        output.WriteLine($"shapes-cnn fp16: max abs diff {diff:G3}, accuracy {Accuracy(Reference, Eval, Classes):F4} -> {Accuracy(after, Eval, Classes):F4}");
        Assert.True(diff <= 0.01, $"max abs diff {diff}");
        Assert.True(Math.Abs(Accuracy(Reference, Eval, Classes) - Accuracy(after, Eval, Classes)) <= 0.005);
    }

    [Fact]
    public void QuantizeDynamic_OnlyGemmIsTooSmall_RefusesNamingMinWeightElements() =>
        AssertRefuses(Pass("quantize-dynamic"), Model, Context(), "min-weight-elements", applicabilityAgrees: false);

    [Fact]
    public void QuantizeStatic_DefaultsAfterBatchNormFolding_AccuracyDropAtMostOnePoint()
    {
        var result = RunPipeline(Model, Context(Calibration), Step("fold-batchnorm"), Step("quantize-static"));

        AssertAccuracyDropAtMost(result.Model, 0.01);
        Assert.Contains("QLinearConv", OptimizedOpTypes(result.Model));
    }

    [Fact]
    public void QuantizeStatic_Uint8ActivationsAfterFolding_EveryConvFusesToQLinearConv()
    {
        var result = RunPipeline(Model, Context(Calibration), Step("fold-batchnorm"), Step("quantize-static", ("activation-type", ParameterValue.Of("uint8"))));

        var ops = OptimizedOpTypes(result.Model);
        output.WriteLine(string.Join(", ", ops));
        Assert.Equal(4, ops.Count(o => o == "QLinearConv"));
        Assert.DoesNotContain("Conv", ops);
        AssertAccuracyDropAtMost(result.Model, 0.01);
    }

    [Fact]
    public void PruneMagnitude_Defaults_HalvesLargeConvsAndSkipsSmallLayers()
    {
        var result = Pass("prune-magnitude").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        foreach (var node in Model.Graph.Node.Where(n => n.OpType is "Conv" or "Gemm"))
        {
            var count = Model.Graph.Initializer.Single(t => t.Name == node.Input[1]).Dims.Aggregate(1L, (a, b) => a * b);
            var zeros = ZeroFraction(result.Model, node.Input[1]);
            output.WriteLine($"{node.Input[1]}: {count} weights, {zeros:P1} zeros");
            Assert.Equal(count >= 1024 ? 0.5 : ZeroFraction(Model, node.Input[1]), zeros, 1e-9);
        }

        Assert.Contains(result.Record.Skipped, s => s.Contains("min-params", StringComparison.Ordinal));
    }

    [Fact]
    public void PruneStructured_Defaults_LoadsAndStopsAtTheResidualAddWithReason()
    {
        var result = Pass("prune-structured").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        foreach (var skipped in result.Record.Skipped)
        {
            output.WriteLine("skipped: " + skipped);
        }

        Assert.Contains(result.Record.Skipped, s => s.Contains("residual", StringComparison.Ordinal) && s.Contains("Add", StringComparison.Ordinal));
        // The two convs that feed the residual Add keep their 16 channels; the other two lose half of theirs.
        var channels = result.Model.Graph.Node.Where(n => n.OpType == "Conv")
            .Select(n => result.Model.Graph.Initializer.Single(t => t.Name == n.Input[1]).Dims[0]).ToList();
        output.WriteLine("output channels: " + string.Join(", ", channels));
        Assert.Equal([16, 8, 16, 16], channels);
        Assert.Equal(Reference.Length, Outputs(result.Model, Eval).Length);
    }

    [Fact]
    public void CompensateError_AfterHalfMagnitudePruning_RecoversAtLeastHalfTheLostAccuracy()
    {
        var context = Context(Calibration);
        var pruned = RunPipeline(Model, context, Step("prune-magnitude"));
        var compensated = RunPipeline(Model, context, Step("prune-magnitude"), Step("compensate-error"));

        var fp32 = Accuracy(Reference, Eval, Classes);
        var prunedAccuracy = Accuracy(Outputs(pruned.Model, Eval), Eval, Classes);
        var compensatedAccuracy = Accuracy(Outputs(compensated.Model, Eval), Eval, Classes);
        output.WriteLine($"shapes-cnn accuracy: fp32 {fp32:F4}, pruned 50% {prunedAccuracy:F4}, compensated {compensatedAccuracy:F4}");
        Assert.True(fp32 - prunedAccuracy > 0.02, "50% pruning should cost accuracy on this model");
        Assert.True(compensatedAccuracy - prunedAccuracy >= (fp32 - prunedAccuracy) / 2);
    }

    [Fact]
    public void Runtime_Defaults_LeavesTheGraphByteIdentical()
    {
        var result = Pass("runtime").Apply(Model, PassParameters.Empty, Context());

        Assert.Equal(Google.Protobuf.MessageExtensions.ToByteArray(Model), Google.Protobuf.MessageExtensions.ToByteArray(result.Model));
    }

    private void AssertAccuracyDropAtMost(ModelProto model, double drop)
    {
        var before = Accuracy(Reference, Eval, Classes);
        var after = Accuracy(Outputs(model, Eval), Eval, Classes);
        output.WriteLine($"accuracy {before:F4} -> {after:F4}");
        Assert.True(before - after <= drop + 1e-12, $"accuracy {before} -> {after}");
    }
}
