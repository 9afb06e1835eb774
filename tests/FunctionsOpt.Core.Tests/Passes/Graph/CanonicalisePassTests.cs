using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Passes.Quantization.Static;
using FunctionsOpt.Core.Search.Space;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes.Graph;

public sealed class CanonicalisePassTests
{
    private static readonly long[] InputShape = [1, 3, 6, 6];

    /// <summary>
    /// A small CNN written the way exporters write them: conv1's weight is a Constant node behind an Identity and its
    /// bias an initializer behind an Identity (newer torch), a Dropout after conv1, conv2's weight a flat initializer
    /// behind a Reshape and its bias a double initializer behind a Cast, and the Gemm's weight stored transposed behind
    /// a Transpose. 7 idiom nodes in all; 2 Conv and 1 Gemm, none with a plain initializer weight.
    /// x → Conv1 → Dropout → Relu → Conv2 → Relu → GlobalAveragePool → Flatten → Gemm → y [1,3].
    /// </summary>
    private static ModelProto ExportLike(long opset)
    {
        var graph = new GraphProto { Name = "export-like" };
        graph.Input.Add(PassTestKit.Value("x", InputShape));
        graph.Output.Add(PassTestKit.Value("y", 1, 3));
        var constant = PassTestKit.Node("Constant", [], ["w1_raw"]);
        constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = PassTestKit.Floats(string.Empty, [4, 3, 3, 3], PassTestKit.Random(1, 108, 0.5)) });
        graph.Initializer.Add(PassTestKit.Floats("b1_raw", [4], PassTestKit.Random(2, 4, 0.1)));
        graph.Initializer.Add(PassTestKit.Floats("w2_flat", [24], PassTestKit.Random(3, 24, 0.5)));
        graph.Initializer.Add(Int64s("w2_shape", [4], [2, 4, 1, 3]));
        graph.Initializer.Add(Doubles("b2_double", [0.05, -0.02]));
        graph.Initializer.Add(PassTestKit.Floats("wg_t", [3, 2], PassTestKit.Random(4, 6, 0.5)));
        graph.Initializer.Add(PassTestKit.Floats("bg", [3], PassTestKit.Random(5, 3, 0.1)));
        graph.Node.Add(constant);
        graph.Node.Add(PassTestKit.Node("Identity", ["w1_raw"], ["w1"]));
        graph.Node.Add(PassTestKit.Node("Identity", ["b1_raw"], ["b1"]));
        graph.Node.Add(PassTestKit.Node("Conv", ["x", "w1", "b1"], ["c1"], PassTestKit.Ints("pads", 1, 1, 1, 1)));
        graph.Node.Add(PassTestKit.Node("Dropout", ["c1"], ["d1"]));
        graph.Node.Add(PassTestKit.Node("Relu", ["d1"], ["r1"]));
        graph.Node.Add(PassTestKit.Node("Reshape", ["w2_flat", "w2_shape"], ["w2"]));
        graph.Node.Add(PassTestKit.Node("Cast", ["b2_double"], ["b2"], PassTestKit.Int("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(PassTestKit.Node("Conv", ["r1", "w2", "b2"], ["c2"], PassTestKit.Ints("pads", 0, 1, 0, 1)));
        graph.Node.Add(PassTestKit.Node("Relu", ["c2"], ["r2"]));
        graph.Node.Add(PassTestKit.Node("GlobalAveragePool", ["r2"], ["p"]));
        graph.Node.Add(PassTestKit.Node("Flatten", ["p"], ["f"]));
        graph.Node.Add(PassTestKit.Node("Transpose", ["wg_t"], ["wg"], PassTestKit.Ints("perm", 1, 0)));
        graph.Node.Add(PassTestKit.Node("Gemm", ["f", "wg", "bg"], ["y"]));
        return PassTestKit.Model(graph, opset, opset >= 13 ? 8 : 4);
    }

    private static TensorProto Int64s(string name, long[] dims, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    private static TensorProto Doubles(string name, double[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Double };
        tensor.Dims.Add(values.Length);
        var bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        tensor.RawData = ByteString.CopyFrom(bytes);
        return tensor;
    }

    private static PassParameters Target(long opset) =>
        new(new Dictionary<string, ParameterValue> { [CanonicalisePass.TargetParameter] = ParameterValue.Of(opset) });

    private static EvaluationDataset Calibration(int rows) =>
        new(new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats(PassTestKit.Random(11, rows * 108), rows, 3, 6, 6) });

    [Fact]
    public void Apply_ExportIdioms_RemovesAllSevenAndKeepsOutputsWithin1e5()
    {
        var model = ExportLike(13);

        var result = new CanonicalisePass().Apply(model, Target(0), PassTestKit.Context());

        string[] idioms = ["Constant", "Identity", "Dropout", "Cast", "Reshape", "Transpose"];
        Assert.DoesNotContain(result.Model.Graph.Node, n => idioms.Contains(n.OpType));
        Assert.Equal(model.Graph.Node.Count - 7, result.Model.Graph.Node.Count);
        Assert.Equal(7, result.Record.NodesTouched);
        Assert.Equal(14, model.Graph.Node.Count);
        for (var seed = 0; seed < 3; seed++)
        {
            var x = PassTestKit.Random(100 + seed, 108);
            var diff = PassTestKit.MaxAbsDiff(PassTestKit.Run(model, "x", x, InputShape), PassTestKit.Run(result.Model, "x", x, InputShape));
            Assert.True(diff <= 1e-5, $"seed {seed}: max abs diff {diff}");
        }
    }

    [Fact]
    public void Apply_Input_IsNotModified()
    {
        var model = ExportLike(13);
        var bytes = model.ToByteArray();

        _ = new CanonicalisePass().Apply(model, Target(0), PassTestKit.Context());

        Assert.Equal(bytes, model.ToByteArray());
    }

    [Fact]
    public void Apply_StaticInt8WithoutCanonicalisation_RefusesEveryLayerWithAReason()
    {
        var error = Assert.Throws<PassNotApplicableException>(() =>
            new StaticInt8Pass().Apply(ExportLike(13), PassParameters.Empty, new PassContext(new InferenceSessionFactory(), Calibration(16))));

        Assert.Contains("weight is not a constant float32 initializer", error.Message, StringComparison.Ordinal);
        Assert.Contains("B is not a constant 2-D float32 initializer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_StaticInt8Pipeline_CanonicalisesFirstAndQuantizesTwoOfTwoConvOneOfOneGemm()
    {
        var steps = new[] { new PassStep(new StaticInt8Pass(), PassParameters.Empty) };

        var result = new PassPipeline(steps).Run(ExportLike(13), new PassContext(new InferenceSessionFactory(), Calibration(16)));

        Assert.Equal([CanonicalisePass.PassName, "quantize-static"], result.Records.Select(r => r.Pass));
        Assert.Equal([new OpCoverage("Conv", 2, 2), new OpCoverage("Gemm", 1, 1)], result.Records[1].Coverage);
        Assert.Equal("quantized 2/2 Conv, 1/1 Gemm", result.Records[1].CoverageText("quantized"));
        Assert.Empty(result.Records[1].Skipped);
    }

    [Fact]
    public void Apply_Opset9WithTarget13_UpgradesAfterCleaningUp()
    {
        var result = new CanonicalisePass().Apply(ExportLike(9), Target(13), PassTestKit.Context());

        Assert.Equal(13, PassSupport.DefaultOpset(result.Model));
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType is "Constant" or "Identity" or "Dropout");
        PassTestKit.AssertLoads(result.Model);
    }

    [Fact]
    public void Create_Opset9ConstantHeldWeights_OffersStaticInt8JudgedOnThePreparedModel()
    {
        var model = ExportLike(9);
        var catalogue = new DefaultPassCatalogue();

        var space = PassSearchSpace.Create(catalogue, model);

        // On the model as given the pass refuses (opset 9, no initializer weight); the pipeline fixes both first.
        Assert.False(catalogue.Find("quantize-static")!.CheckApplicability(model).Applies);
        Assert.Contains(space.Passes, p => p.Name == "quantize-static");
    }
}
