using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Onnx;

public sealed class OnnxModelInspectorTests
{
    private static readonly float[] Weights2x3 = [1, 2, 3, 4, 5, 6];

    [Fact]
    public void Inspect_PenguinsSample_ReportsGraphFacts()
    {
        var inspection = new OnnxModelInspector().Inspect(TestPaths.PenguinsModel);

        Assert.Equal(8, inspection.IrVersion);
        Assert.Equal(17, inspection.DefaultOpset);
        var input = Assert.Single(inspection.Inputs);
        Assert.Equal("features", input.Name);
        Assert.Equal(TensorElementKind.Float, input.ElementType);
        Assert.Equal("[batch,4]", input.ShapeText);
        var output = Assert.Single(inspection.Outputs);
        Assert.Equal("probabilities", output.Name);
        Assert.Equal("[batch,3]", output.ShapeText);
        // Sub, Div, 3 x Gemm, 2 x Relu, Softmax.
        Assert.Equal(8, inspection.NodeCount);
        Assert.Equal(3, inspection.OperatorHistogram["Gemm"]);
        Assert.Equal(2, inspection.OperatorHistogram["Relu"]);
        Assert.Equal("Gemm", inspection.OperatorHistogram.Keys.First());
        // mean 4 + std 4 + (256x4 + 256) + (256x256 + 256) + (3x256 + 3) = 67,851 floats.
        Assert.Equal(67_851, inspection.ParameterCount);
        Assert.Equal(67_851 * 4, inspection.InitializerBytes);
        Assert.Empty(inspection.ExternalDataFiles);
        Assert.Equal(new FileInfo(TestPaths.PenguinsModel).Length, inspection.FileBytes);
    }

    [Fact]
    public void Inspect_ResNet18_ReportsOpset8FixedBatchAndWeightsNearFileSize()
    {
        var inspection = new OnnxModelInspector().Inspect(TestPaths.ResNet18);

        Assert.Equal(8, inspection.DefaultOpset);
        var input = Assert.Single(inspection.Inputs);
        Assert.Equal("Input247", input.Name);
        Assert.Equal("[1,3,224,224]", input.ShapeText);
        // The file is essentially its float weights: parameters x 4 bytes must account for >98% of it.
        Assert.Equal(inspection.ParameterCount * 4, inspection.InitializerBytes);
        Assert.InRange(inspection.InitializerBytes, (long)(inspection.FileBytes * 0.98), inspection.FileBytes);
        Assert.True(inspection.OperatorHistogram["Conv"] >= 20);
    }

    [Fact]
    public void Inspect_SymbolicDimension_ReportsSymbolName()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.SymbolicSequence(), temp.Path);

        var input = Assert.Single(new OnnxModelInspector().Inspect(path).Inputs);

        Assert.Equal("batch", input.Shape![0].Symbol);
        Assert.Equal("seq", input.Shape![1].Symbol);
        Assert.False(input.Shape[1].IsFixed);
    }

    [Fact]
    public void Inspect_MissingFile_ThrowsNotFound()
    {
        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector().Inspect("/nonexistent/model.onnx"));

        Assert.Equal(InvalidModelReason.NotFound, error.Reason);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_TextFile_ThrowsNotOnnx()
    {
        using var temp = new TempFolder();
        var path = temp.File("model.onnx");
        File.WriteAllText(path, "this is a CSV file,not a model\n1,2,3\n");

        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector().Inspect(path));

        Assert.Equal(InvalidModelReason.NotOnnx, error.Reason);
        Assert.Equal(InvalidModelException.Code, error.ErrorCode);
        Assert.Contains("is not a valid ONNX model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_TruncatedModel_ThrowsNotOnnx()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(TestPaths.PenguinsModel);
        var path = temp.File("truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector().Inspect(path));

        Assert.Equal(InvalidModelReason.NotOnnx, error.Reason);
        Assert.Contains("truncated", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Inspect_IrVersion12_ThrowsUnsupportedIrVersion()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, Weights2x3, [0, 0, 0], irVersion: 12), temp.Path);

        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector().Inspect(path));

        Assert.Equal(InvalidModelReason.UnsupportedIrVersion, error.Reason);
        Assert.Contains("IR version 12", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 to 11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_FileOverSizeLimit_ThrowsTooLarge()
    {
        var options = new OnnxModelOptions { MaxModelBytes = 1000 };

        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector(options).Inspect(TestPaths.PenguinsModel));

        Assert.Equal(InvalidModelReason.TooLarge, error.Reason);
        Assert.Contains("over the limit of 1000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OnnxModelOptions.MaxModelBytes), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("sub/../../outside.bin")]
    [InlineData("/etc/passwd")]
    public void Inspect_ExternalDataOutsideModelFolder_ThrowsUnsafeExternalData(string location)
    {
        using var temp = new TempFolder();
        var model = TinyModels.Linear(2, 3, Weights2x3, [0, 0, 0]);
        TinyModels.Externalize(model, "W", location);
        var path = TinyModels.Save(model, Path.Combine(temp.Path, "model"));

        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector().Inspect(path));

        Assert.Equal(InvalidModelReason.UnsafeExternalData, error.Reason);
        Assert.Contains("outside the model's folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_ExternalDataFileMissing_ThrowsUnsafeExternalData()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Linear(2, 3, Weights2x3, [0, 0, 0]);
        TinyModels.Externalize(model, "W", "weights.bin");
        var path = TinyModels.Save(model, temp.Path);

        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector().Inspect(path));

        Assert.Equal(InvalidModelReason.UnsafeExternalData, error.Reason);
        Assert.Contains("'weights.bin', which is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_ExternalDataShorterThanDeclared_ThrowsUnsafeExternalData()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Linear(2, 3, Weights2x3, [0, 0, 0]);
        TinyModels.Externalize(model, "W", "weights.bin");
        File.WriteAllBytes(temp.File("weights.bin"), new byte[8]);
        var path = TinyModels.Save(model, temp.Path);

        var error = Assert.Throws<InvalidModelException>(() => new OnnxModelInspector().Inspect(path));

        Assert.Contains("bytes [0, 24)", error.Message, StringComparison.Ordinal);
        Assert.Contains("has 8 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_ExternalDataInModelFolder_ReportsFileAndBytes()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Linear(2, 3, Weights2x3, [0, 0, 0]);
        TinyModels.Externalize(model, "W", "weights.bin");
        File.WriteAllBytes(temp.File("weights.bin"), TinyModels.FloatBytes(Weights2x3));
        var path = TinyModels.Save(model, temp.Path);

        var inspection = new OnnxModelInspector().Inspect(path);

        Assert.Equal(["weights.bin"], inspection.ExternalDataFiles);
        // W: 6 floats external (24 bytes) + b: 3 floats inline (12 bytes).
        Assert.Equal(36, inspection.InitializerBytes);
        Assert.Equal(9, inspection.ParameterCount);
    }
}
