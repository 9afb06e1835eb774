using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Passes.Precision;
using FunctionsOpt.Core.Passes.Quantization.Dynamic;
using FunctionsOpt.Core.Passes.Runtime;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;

namespace FunctionsOpt.Core.Tests.Passes.Pipeline;

public sealed class PassPipelineTests
{
    private static PassParameters P(string name, ParameterValue value) => new(new Dictionary<string, ParameterValue> { [name] = value });

    private static PassPipeline PenguinsPipeline(long minElements = 1024) => new(
    [
        new PassStep(new DynamicInt8Pass(), P(DynamicInt8Pass.MinWeightElementsParameter, ParameterValue.Of(minElements))),
        new PassStep(new Fp16Pass(), PassParameters.Empty),
        new PassStep(new RuntimeSettingsPass(), PassParameters.Empty),
    ]);

    [Fact]
    public void Run_SameInputsTwice_SameHashAndByteIdenticalModel()
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);

        var first = PenguinsPipeline().Run(model, PassTestKit.Context(), ["row-3", "row-7"]);
        var second = PenguinsPipeline().Run(PassTestKit.Load(TestPaths.PenguinsModel), PassTestKit.Context(), ["row-3", "row-7"]);

        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(64, first.Hash.Length);
        Assert.Equal(first.Model.ToByteArray(), second.Model.ToByteArray());
        // The pipeline canonicalises before its first lossy step and records it.
        Assert.Equal(["canonicalise", "quantize-dynamic", "fp16", "runtime"], first.Records.Select(r => r.Pass));
        // fc3, under the int8 size rule, is what fp16 converts next to the quantized layers.
        Assert.Contains(first.Model.Graph.Node, n => n.OpType == "DynamicQuantizeMatMul");
        Assert.Equal((int)global::Onnx.TensorProto.Types.DataType.Float16, first.Model.Graph.Initializer.Single(t => t.Name == "fc3.weight").DataType);
    }

    [Fact]
    public void Run_ResNet18GraphPreparationTwice_ByteIdenticalModel()
    {
        using var temp = new TempFolder();
        var pipeline = new PassPipeline(
        [
            new PassStep(new OpsetUpgradePass(), PassParameters.Empty),
            new PassStep(new BatchNormFoldingPass(), PassParameters.Empty),
            new PassStep(new OrtOfflineOptimizationPass(), PassParameters.Empty),
        ]);
        var model = PassTestKit.Load(TestPaths.ResNet18);

        var first = pipeline.Run(model, PassTestKit.Context(temp.Path));
        var second = pipeline.Run(model, PassTestKit.Context(temp.Path));

        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(first.Model.ToByteArray(), second.Model.ToByteArray());
        Assert.DoesNotContain(first.Model.Graph.Node, n => n.OpType == "BatchNormalization");
    }

    [Fact]
    public void ComputeHash_ExplicitDefaultEqualsImplicit_ButAnyChangedInputChangesIt()
    {
        var bytes = PassTestKit.Load(TestPaths.PenguinsModel).ToByteArray();
        var baseline = PenguinsPipeline().ComputeHash(bytes, ["a"]);

        // The default (1024) written out is the same configuration.
        Assert.Equal(baseline, PenguinsPipeline(1024).ComputeHash(bytes, ["a"]));
        Assert.NotEqual(baseline, PenguinsPipeline(2048).ComputeHash(bytes, ["a"]));
        Assert.NotEqual(baseline, PenguinsPipeline().ComputeHash(bytes, ["b"]));
        Assert.NotEqual(baseline, PenguinsPipeline().ComputeHash(bytes, ["a", "b"]));
        Assert.NotEqual(baseline, PenguinsPipeline().ComputeHash(bytes));
        var changed = (byte[])bytes.Clone();
        changed[^1] ^= 1;
        Assert.NotEqual(baseline, PenguinsPipeline().ComputeHash(changed, ["a"]));
        var reordered = new PassPipeline([PenguinsPipeline().Steps[1], PenguinsPipeline().Steps[0], PenguinsPipeline().Steps[2]]);
        Assert.NotEqual(baseline, reordered.ComputeHash(bytes, ["a"]));
    }

    [Fact]
    public void Run_StepNotApplicable_ThrowsTypedError()
    {
        var pipeline = new PassPipeline([new PassStep(new BatchNormFoldingPass(), PassParameters.Empty)]);

        Assert.Throws<PassNotApplicableException>(() => pipeline.Run(PassTestKit.Load(TestPaths.PenguinsModel), PassTestKit.Context()));
    }

    [Fact]
    public void ComputeHash_UnknownParameter_ThrowsInvalidConfiguration()
    {
        var pipeline = new PassPipeline([new PassStep(new Fp16Pass(), P("nope", ParameterValue.Of(1L)))]);

        Assert.Throws<InvalidPassConfigurationException>(() => pipeline.ComputeHash([1, 2, 3]));
    }

    [Theory]
    [InlineData(DynamicInt8Pass.RoundingParameter, "gptq", true)]
    [InlineData(DynamicInt8Pass.RoundingParameter, "nearest", false)]
    [InlineData(DynamicInt8Pass.BiasCorrectionParameter, "true", true)]
    public void NeedsOf_QuantizeDynamic_CalibrationRowsFollowTheValues(string parameter, string value, bool expected)
    {
        var parsed = value == "true" ? ParameterValue.Of(true) : ParameterValue.Of(value);

        var needs = PassPipeline.NeedsOf([new PassStep(new DynamicInt8Pass(), P(parameter, parsed))]);

        Assert.Equal(expected, needs.CalibrationRows);
        Assert.False(needs.ReferenceModel);
    }

    [Fact]
    public void NeedsOf_StaticPerChannelAndCompensation_UnionOfEveryStep()
    {
        var needs = PassPipeline.NeedsOf(
        [
            new PassStep(new FunctionsOpt.Core.Passes.Compensation.ErrorCompensationPass(), PassParameters.Empty),
            new PassStep(new FunctionsOpt.Core.Passes.Quantization.Static.StaticInt8Pass(), P("per-channel", ParameterValue.Of(true))),
            new PassStep(new RuntimeSettingsPass(), PassParameters.Empty),
        ]);

        Assert.Equal(new PassNeeds { CalibrationRows = true, ReferenceModel = true, SessionSettings = true, MinimumOpset = 13 }, needs);
    }

    [Fact]
    public void EffectiveSteps_GraphPreparationOnly_NoCanonicalisation()
    {
        var pipeline = new PassPipeline([new PassStep(new BatchNormFoldingPass(), PassParameters.Empty), new PassStep(new RuntimeSettingsPass(), PassParameters.Empty)]);

        Assert.Equal(["fold-batchnorm", "runtime"], pipeline.EffectiveSteps().Select(s => s.Pass.Name));
    }

    [Fact]
    public void EffectiveSteps_LossyStep_CanonicalisesBeforeItWithTheHighestMinimumOpset()
    {
        var pipeline = new PassPipeline(
        [
            new PassStep(new BatchNormFoldingPass(), PassParameters.Empty),
            new PassStep(new FunctionsOpt.Core.Passes.Quantization.Static.StaticInt8Pass(), P("per-channel", ParameterValue.Of(true))),
        ]);

        var steps = pipeline.EffectiveSteps();

        Assert.Equal(["fold-batchnorm", CanonicalisePass.PassName, "quantize-static"], steps.Select(s => s.Pass.Name));
        Assert.Equal(13, steps[1].Parameters.GetInteger(steps[1].Pass, CanonicalisePass.TargetParameter));
    }
}

public sealed class PassPipelineCompensationTests
{
    [Fact]
    public void Run_PruneThenCompensate_UsesPrePruningModelAsReferenceAndReducesError()
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);
        var calibration = FunctionsOpt.Core.Data.DatasetLoader.Load(
            Path.Combine(TestPaths.Samples, "penguins", "train.csv"),
            new FunctionsOpt.Core.Data.DatasetLoadOptions { Csv = new FunctionsOpt.Core.Data.CsvReadOptions { LabelColumn = "species", InputName = "features" } });
        var context = new PassContext(new FunctionsOpt.Core.Evaluation.InferenceSessionFactory(), calibration);
        var prune = new FunctionsOpt.Core.Passes.Pruning.MagnitudePruningPass();
        var pruneParameters = new PassParameters(new Dictionary<string, ParameterValue>
        {
            ["sparsity"] = ParameterValue.Of(0.7),
            ["min-params"] = ParameterValue.Of(0L),
        });
        var pruneOnly = new PassPipeline([new PassStep(prune, pruneParameters)]).Run(model, context);

        // No reference model is given: the pipeline must hand compensation the model before pruning.
        var compensated = new PassPipeline(
        [
            new PassStep(prune, pruneParameters),
            new PassStep(new FunctionsOpt.Core.Passes.Compensation.ErrorCompensationPass(), PassParameters.Empty),
        ]).Run(model, context);

        var features = (float[])calibration.Inputs["features"].Data;
        long[] shape = [calibration.Count, 4];
        // Compensation reconstructs each layer's pre-activation output; on this saturated classifier the softmax
        // hides most of the change, so the error is measured on the logits (the last Gemm's output).
        var reference = Logits(model, features, shape);
        var errorPruned = Mse(reference, Logits(pruneOnly.Model, features, shape));
        var errorCompensated = Mse(reference, Logits(compensated.Model, features, shape));
        Assert.Equal(["canonicalise", "prune-magnitude", "compensate-error"], compensated.Records.Select(r => r.Pass));
        Assert.NotEqual(pruneOnly.Hash, compensated.Hash);
        Assert.True(errorCompensated < errorPruned, $"compensated {errorCompensated} vs pruned {errorPruned}");
    }

    private static float[] Logits(global::Onnx.ModelProto model, float[] features, long[] shape)
    {
        var copy = model.Clone();
        copy.Graph.Output.Add(new global::Onnx.ValueInfoProto { Name = "logits" });
        return PassTestKit.Run(copy, "features", features, shape, "logits");
    }

    private static double Mse(float[] a, float[] b) => a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Average();

}
