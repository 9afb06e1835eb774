namespace FunctionsOpt.Cli.Tests.Commands;

public sealed class InspectCommandTests
{
    [Fact]
    public void Inspect_PenguinsSample_PrintsInputsOperatorsAndParameters()
    {
        var (exitCode, output) = FoptProcess.Run("inspect", FoptProcess.PenguinsModel);

        Assert.Equal(0, exitCode);
        Assert.Contains("features", output, StringComparison.Ordinal);
        Assert.Contains("[batch,4]", output, StringComparison.Ordinal);
        Assert.Contains("probabilities", output, StringComparison.Ordinal);
        Assert.Contains("Gemm", output, StringComparison.Ordinal);
        Assert.Contains("67,851", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_NotAnOnnxFile_ExitsTwoWithInvalidModelError()
    {
        using var temp = new TempFolder();
        var path = temp.File("model.onnx");
        File.WriteAllText(path, "definitely not protobuf");

        var (exitCode, output) = FoptProcess.Run("inspect", path);

        Assert.Equal(2, exitCode);
        Assert.Contains("invalid-model", output, StringComparison.Ordinal);
        Assert.Contains("is not a valid ONNX model", output, StringComparison.Ordinal);
    }
}
