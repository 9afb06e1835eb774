using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Onnx;
using Xunit.Abstractions;
using static FunctionsOpt.Core.Tests.Passes.RealModels.RealModelKit;

namespace FunctionsOpt.Core.Tests.Passes.RealModels;

/// <summary>
/// Every catalogue pass with its default parameters on the penguins MLP (Sub/Div input normalization, three Gemm,
/// opset 17): the output loads in ORT and computes what it should, or the pass refuses with its typed error.
/// </summary>
public sealed class PenguinsPassMatrixTests(ITestOutputHelper output)
{
    private const int Classes = 3;
    private static readonly ModelProto Model = PassTestKit.Load(TestPaths.PenguinsModel);
    private static readonly EvaluationDataset Eval = Penguins(TestPaths.PenguinsEval);
    private static readonly EvaluationDataset Train = Penguins(PenguinsTrain);
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
    public void FoldBatchNorm_NoBatchNormalization_RefusesWithReason() =>
        AssertRefuses(Pass("fold-batchnorm"), Model, Context(), "BatchNormalization");

    [Fact]
    public void OrtOptimize_Defaults_LoadsAndKeepsOutputsTo1e5()
    {
        var result = Pass("ort-optimize").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        Assert.True(MaxAbsDiff(Reference, Outputs(result.Model, Eval)) <= 1e-5);
    }

    [Fact]
    public void Fp16_Defaults_HalvesWeightsAndKeepsProbabilitiesWithin0_01()
    {
        var result = Pass("fp16").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        Assert.InRange((double)result.Record.InitializerBytesAfter / result.Record.InitializerBytesBefore, 0.49, 0.51);
        // Three Gemm layers (4-256-256-3), all in float16.
        Assert.Equal([new OpCoverage("Gemm", 3, 3)], result.Record.Coverage);
        var diff = MaxAbsDiff(Reference, Outputs(result.Model, Eval));
        output.WriteLine($"penguins fp16 max abs diff {diff:G3}");
        Assert.True(diff <= 0.01, $"max abs diff {diff}");
        Assert.Equal(Accuracy(Reference, Eval, Classes), Accuracy(Outputs(result.Model, Eval), Eval, Classes));
    }

    [Fact]
    public void QuantizeDynamic_Defaults_AccuracyDropAtMostOnePoint()
    {
        var result = Pass("quantize-dynamic").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        AssertAccuracyDropAtMost(result.Model, 0.01);
        Assert.True(result.Record.InitializerBytesAfter * 3 < result.Record.InitializerBytesBefore);
        // Weights 4x256 = 1024, 256x256 and 256x3 = 768: the last is under the 1024-element default.
        Assert.Equal([new OpCoverage("Gemm", 2, 3)], result.Record.Coverage);
    }

    [Fact]
    public void QuantizeStatic_DefaultsCalibratedOnTrain_FusesGemmAndDropsAtMostOnePoint()
    {
        var result = Pass("quantize-static").Apply(Model, PassParameters.Empty, Context(Train));

        PassTestKit.AssertLoads(result.Model);
        AssertAccuracyDropAtMost(result.Model, 0.01);
        Assert.Contains("QGemm", OptimizedOpTypes(result.Model));
    }

    [Fact]
    public void QuantizeStatic_NoCalibrationData_RefusesWithConfigurationError()
    {
        var error = Assert.Throws<Core.Errors.InvalidPassConfigurationException>(() => Pass("quantize-static").Apply(Model, PassParameters.Empty, Context()));
        Assert.Contains("calibration", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PruneMagnitude_Defaults_HalfOfEveryLargeGemmWeightIsZero()
    {
        var result = Pass("prune-magnitude").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        // Default min-params 1024 leaves the 4x256 input layer (1024 weights: not below) and skips the 256x3 output layer.
        var gemmWeights = Model.Graph.Node.Where(n => n.OpType == "Gemm").Select(n => n.Input[1]).ToList();
        foreach (var weight in gemmWeights)
        {
            var count = Model.Graph.Initializer.Single(t => t.Name == weight).Dims.Aggregate(1L, (a, b) => a * b);
            var zeros = ZeroFraction(result.Model, weight);
            output.WriteLine($"{weight}: {count} weights, {zeros:P1} zeros");
            if (count >= 1024)
            {
                Assert.InRange(zeros, 0.5, 0.5 + 1.0 / count);
            }
            else
            {
                Assert.Equal(ZeroFraction(Model, weight), zeros);
            }
        }

        Assert.True(Accuracy(Outputs(result.Model, Eval), Eval, Classes) >= 0.9);
    }

    [Fact]
    public void PruneStructured_Defaults_HalvesHiddenLayersAndKeepsIoShapes()
    {
        var result = Pass("prune-structured").Apply(Model, PassParameters.Empty, Context());

        PassTestKit.AssertLoads(result.Model);
        var hidden = result.Model.Graph.Node.Where(n => n.OpType == "Gemm").Select(n => result.Model.Graph.Initializer.Single(t => t.Name == n.Input[1]).Dims.ToArray()).ToList();
        output.WriteLine(string.Join("; ", hidden.Select(d => string.Join("x", d))));
        var before = Model.Graph.Node.Where(n => n.OpType == "Gemm").Select(n => Model.Graph.Initializer.Single(t => t.Name == n.Input[1]).Dims.Aggregate(1L, (a, b) => a * b)).Sum();
        var after = hidden.Sum(d => d.Aggregate(1L, (a, b) => a * b));
        Assert.True(after < before * 0.5, $"{before} -> {after} weights");
        Assert.Equal(Reference.Length, Outputs(result.Model, Eval).Length);
        foreach (var skipped in result.Record.Skipped)
        {
            output.WriteLine("skipped: " + skipped);
        }

        // The output layer (fc3, transB weight [3,128]) feeds Softmax, which mixes units: it keeps its 3 classes and
        // the reason is recorded; its input dimension shrank with fc2's units.
        Assert.Equal(3, hidden[^1][0]);
        Assert.Contains(result.Record.Skipped, s => s.StartsWith("fc3", StringComparison.Ordinal) && s.Contains("Softmax", StringComparison.Ordinal));
    }

    [Fact]
    public void CompensateError_AfterMagnitudePruning_MovesOutputsTowardsFp32()
    {
        var context = Context(Train);
        var pruned = RunPipeline(Model, context, Step("prune-magnitude", ("sparsity", ParameterValue.Of(0.7))));
        var compensated = RunPipeline(Model, context, Step("prune-magnitude", ("sparsity", ParameterValue.Of(0.7))), Step("compensate-error"));

        var prunedError = MeanSquaredError(Reference, Outputs(pruned.Model, Eval));
        var compensatedError = MeanSquaredError(Reference, Outputs(compensated.Model, Eval));
        output.WriteLine($"penguins 70% pruning: output MSE to fp32 {prunedError:G4}, after compensation {compensatedError:G4}");
        Assert.True(compensatedError < prunedError);
        // The zero pattern stays: reconstruction only moves kept weights.
        foreach (var weight in Model.Graph.Node.Where(n => n.OpType == "Gemm").Select(n => n.Input[1]))
        {
            Assert.True(ZeroFraction(compensated.Model, weight) >= ZeroFraction(pruned.Model, weight) - 1e-9);
        }
    }

    [Fact]
    public void CompensateError_NoReferenceModel_RefusesWithConfigurationError()
    {
        var error = Assert.Throws<Core.Errors.InvalidPassConfigurationException>(() => Pass("compensate-error").Apply(Model, PassParameters.Empty, Context(Train)));
        Assert.Contains("ReferenceModel", error.Message, StringComparison.Ordinal);
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
