using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Onnx;

public sealed class OnnxModelValidatorTests
{
    private static OnnxModelValidator Validator() => new(new OnnxModelInspector(), new InferenceSessionFactory());

    [Fact]
    public void Validate_UnknownOperator_ThrowsRuntimeRejectedWithOrtMessage()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.UnknownOperator(), temp.Path);

        var error = Assert.Throws<InvalidModelException>(() => Validator().Validate(path));

        Assert.Equal(InvalidModelReason.RuntimeRejected, error.Reason);
        Assert.Contains("ONNX Runtime cannot load model 'model.onnx'", error.Message, StringComparison.Ordinal);
        // ORT's own words are kept so the user sees which operator failed.
        Assert.Contains("NoSuchOperator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExternalDataInFolder_LoadsInOnnxRuntime()
    {
        using var temp = new TempFolder();
        float[] weights = [1, 2, 3, 4, 5, 6];
        var model = TinyModels.Linear(2, 3, weights, [0, 0, 0]);
        TinyModels.Externalize(model, "W", "weights.bin");
        File.WriteAllBytes(temp.File("weights.bin"), TinyModels.FloatBytes(weights));
        var path = TinyModels.Save(model, temp.Path);

        var inspection = Validator().Validate(path);

        Assert.Equal(["weights.bin"], inspection.ExternalDataFiles);
    }

    [Fact]
    public void Validate_PenguinsSample_ReturnsInspection()
    {
        var inspection = Validator().Validate(TestPaths.PenguinsModel);

        Assert.Equal("features", inspection.Inputs[0].Name);
    }
}
