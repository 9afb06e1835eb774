using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Cli.Tests.Commands;

public sealed class MemoryProbeCommandTests
{
    [Fact]
    public void Measure_ResNet18VsPenguins_ModelPeakGrowsWithWeights()
    {
        // Independent yardstick: ResNet18's weights alone are ~45 MB of floats, the penguins MLP ~0.27 MB, so the
        // fresh-process peak attributable to the model must differ by at least the larger file's weight bytes.
        var probe = new ChildProcessMemoryProbe("dotnet", [FoptProcess.FoptDll, "memprobe"]);
        var settings = new SessionSettings { IntraOpThreads = 1 };

        var penguins = probe.Measure(FoptProcess.PenguinsModel, settings, 1, CancellationToken.None)!;
        var resnet = probe.Measure(FoptProcess.ResNet18, settings, 1, CancellationToken.None)!;

        Assert.True(penguins.BaselinePeakBytes > 0);
        Assert.True(penguins.PeakBytes >= penguins.BaselinePeakBytes);
        var weightBytes = new FunctionsOpt.Core.Onnx.OnnxModelInspector().Inspect(FoptProcess.ResNet18).InitializerBytes;
        Assert.True(resnet.ModelPeakBytes - penguins.ModelPeakBytes > weightBytes * 0.9,
            $"ResNet18 added {resnet.ModelPeakBytes} bytes, penguins {penguins.ModelPeakBytes}; weights are {weightBytes}.");
        Assert.Equal("cpu", resnet.Provider);
        Assert.Equal(1, resnet.BatchSize);
    }
}
