using System.Text.Json;

namespace FunctionsOpt.Cli.Tests.Commands;

public sealed class OptimizeCommandTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("fopt-optimize-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void Optimize_PenguinsDefaults_WritesBestModelReportAndTrialsAndPrintsTheHeadline()
    {
        var (exitCode, output) = FoptProcess.Run("optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--max-accuracy-drop", "0.01", "--out", _out);

        Assert.True(exitCode == 0, output);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "runs")));
        Assert.True(File.Exists(Path.Combine(run, "best", "model.onnx")));
        Assert.True(File.Exists(Path.Combine(run, "trials.csv")));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "report.json")));
        Assert.Equal("completed", report.RootElement.GetProperty("status").GetString());
        Assert.Equal(Path.GetFileName(run), report.RootElement.GetProperty("runId").GetString());
        var bestId = report.RootElement.GetProperty("best").GetProperty("trialId").GetString();
        Assert.Contains("Best: " + bestId, output, StringComparison.Ordinal);
        Assert.Contains("latency p50 (ms)", output, StringComparison.Ordinal);
    }
}
