using System.Text.Json;
using FunctionsOpt.Tests.Shared;

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
        Assert.Contains("latency p50", output, StringComparison.Ordinal);
        Assert.Contains("report.html", output, StringComparison.Ordinal);

        // fopt report renders the same run from its state.json alone.
        var (mdExit, markdown) = FoptProcess.Run("report", run, "--format", "md");
        Assert.True(mdExit == 0, markdown);
        Assert.Contains("| metric | baseline | best | change |", markdown, StringComparison.Ordinal);
        Assert.Contains("`" + bestId + "`", markdown, StringComparison.Ordinal);
        var htmlFile = Path.Combine(_out, "again.html");
        var (htmlExit, htmlOutput) = FoptProcess.Run("report", Path.Combine(run, "state.json"), "--format", "html", "--out", htmlFile);
        Assert.True(htmlExit == 0, htmlOutput);
        Assert.Equal(File.ReadAllText(Path.Combine(run, "report.html")), File.ReadAllText(htmlFile));
        var (badExit, badOutput) = FoptProcess.Run("report", run, "--format", "pdf");
        Assert.Equal(2, badExit);
        Assert.Contains("Unknown format 'pdf'", badOutput, StringComparison.Ordinal);

        // fopt profile loads the run's serving session settings.
        var (profileExit, profileOutput) = FoptProcess.Run("profile", Path.Combine(run, "best", "model.onnx"), "--session-settings", Path.Combine(run, "serving", "ort-session.json"), "--batch-sizes", "1", "--runs", "5", "--no-memory");
        Assert.True(profileExit == 0, profileOutput);
    }

    [Fact]
    public void Profile_BadSessionSettingsFile_UserErrorWithCode()
    {
        var file = Path.Combine(_out, "ort-session.json");
        File.WriteAllText(file, "{ \"provider\": \"tpu\" }");

        var (exitCode, output) = FoptProcess.Run("profile", FoptProcess.PenguinsModel, "--session-settings", file, "--no-memory");

        Assert.Equal(2, exitCode);
        Assert.Contains("invalid-session-settings", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_CudaOnCpuOnlyBuild_RecordsCpuFallbackOnEveryMeasuredTrial()
    {
        // The tests use the CPU-only ONNX Runtime, where CUDA cannot load: every trial must say so, not hide it.
        var (exitCode, output) = FoptProcess.Run(
            "optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--provider", "cuda",
            "--passes", "quantize-dynamic", "--budget", "3", "--out", _out);

        Assert.True(exitCode == 0, output);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "runs")));
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "state.json")));
        var providers = state.RootElement.GetProperty("trials").EnumerateArray()
            .Where(t => t.TryGetProperty("provider", out _))
            .Select(t => t.GetProperty("provider"))
            .ToList();
        Assert.NotEmpty(providers);
        Assert.All(providers, p =>
        {
            Assert.Equal("cuda", p.GetProperty("requested").GetString());
            Assert.Equal("cpu", p.GetProperty("used").GetString());
            Assert.Contains("cuda", p.GetProperty("fallbackReason").GetString(), StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void Optimize_UnknownProvider_ExitsTwoNamingTheChoices()
    {
        var (exitCode, output) = FoptProcess.Run("optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--provider", "rocm", "--out", _out);

        Assert.Equal(2, exitCode);
        Assert.Contains("use cpu, cuda or tensorrt", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_ShapesCnnNpzImages_CompletesWithTheRecordedBaselineAccuracy()
    {
        var samples = Path.Combine(AppContext.BaseDirectory, "samples", "shapes-cnn");
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(samples, "metadata.json")));

        var (exitCode, output) = FoptProcess.Run(
            "optimize", Path.Combine(samples, "model.onnx"), "--data", Path.Combine(samples, "eval.npz"), "--passes", "fp16", "--budget", "1", "--out", _out);

        Assert.True(exitCode == 0, output);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "runs")));
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "state.json")));
        var baseline = state.RootElement.GetProperty("baseline").GetProperty("metrics").GetProperty("accuracy").GetDouble();
        // The trainer recorded 554/600 held-out images right with ONNX Runtime; the run's baseline is the same model on the same .npz.
        Assert.Equal(metadata.RootElement.GetProperty("evaluation").GetProperty("heldout_accuracy").GetDouble(), baseline, 12);
    }

    [Fact]
    public void Optimize_TwoInputTokenNpzWithoutLabels_CompletesUnderFidelityBars()
    {
        var model = Path.Combine(_out, "tagger.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(TestModels.Tagger(5, 3, Enumerable.Range(0, 15).Select(i => (float)Math.Cos(i)).ToArray())));
        var data = Path.Combine(_out, "tokens.npz");
        File.WriteAllBytes(data, TestArrays.Npz(
            ("input_ids", new long[] { 0, 1, 2, 3, 4, 1, 2, 3 }, [2, 4]),
            ("attention_mask", new long[] { 1, 1, 1, 0, 1, 1, 1, 1 }, [2, 4])));

        var (exitCode, output) = FoptProcess.Run(
            "optimize", model, "--data", data, "--min-cosine", "0.99", "--max-top1-drop", "0", "--max-relative-rms", "0.5", "--passes", "fp16", "--budget", "1", "--out", Path.Combine(_out, "o"));

        Assert.True(exitCode == 0, output);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "o", "runs")));
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "state.json")));
        var metrics = state.RootElement.GetProperty("baseline").GetProperty("metrics");
        // The unmodified model against itself: cosine 1, every token's top-1 equal, no difference.
        Assert.Equal(1.0, metrics.GetProperty("fidelity.cosine").GetDouble(), 12);
        Assert.Equal(1.0, metrics.GetProperty("fidelity.top1").GetDouble(), 12);
        Assert.Equal(0.0, metrics.GetProperty("fidelity.rms.relative").GetDouble(), 12);
        Assert.False(metrics.TryGetProperty("accuracy", out _));
        Assert.Contains("fidelity (cosine)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_UnlabelledNpyWithoutFidelityBar_ExitsTwoNamingTheFlags()
    {
        var samples = Path.Combine(AppContext.BaseDirectory, "samples", "shapes-cnn");
        var npy = Path.Combine(_out, "images.npy");
        File.WriteAllBytes(npy, TestArrays.Npy(new float[2 * 256], 2, 1, 16, 16));

        var (exitCode, output) = FoptProcess.Run("optimize", Path.Combine(samples, "model.onnx"), "--data", npy, "--out", _out);

        Assert.Equal(2, exitCode);
        Assert.Contains("invalid-spec", output, StringComparison.Ordinal);
        Assert.Contains("'images.npy' has no labels", output, StringComparison.Ordinal);
        Assert.Contains("--min-cosine", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_JsonManifestForSingleInputModel_CompletesWithTheRecordedBaselineAccuracy()
    {
        // The manifest names its own input, so the CLI must not add dataset.input (which a manifest spec refuses).
        var samples = Path.Combine(AppContext.BaseDirectory, "samples", "shapes-cnn");
        var data = Path.Combine(_out, "data");
        Directory.CreateDirectory(data);
        File.Copy(Path.Combine(samples, "eval.npz"), Path.Combine(data, "eval.npz"));
        var manifest = Path.Combine(data, "manifest.json");
        File.WriteAllText(manifest, """{ "inputs": { "image": { "file": "eval.npz", "array": "image" } }, "labels": { "file": "eval.npz", "array": "labels" } }""");

        var (exitCode, output) = FoptProcess.Run(
            "optimize", Path.Combine(samples, "model.onnx"), "--data", manifest, "--passes", "fp16", "--budget", "1", "--out", Path.Combine(_out, "m"));

        Assert.True(exitCode == 0, output);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "m", "runs")));
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "state.json")));
        Assert.Equal(554.0 / 600.0, state.RootElement.GetProperty("baseline").GetProperty("metrics").GetProperty("accuracy").GetDouble(), 12);
    }

    [Fact]
    public void Optimize_SameCommandTwice_SecondShowsTheStoredResultAndLeavesStateByteIdentical()
    {
        string[] command = ["optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--passes", "quantize-dynamic", "--budget", "3", "--out", _out];
        var (firstExit, firstOutput) = FoptProcess.Run(command);
        Assert.True(firstExit == 0, firstOutput);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "runs")));
        var stateBefore = File.ReadAllBytes(Path.Combine(run, "state.json"));
        // Penguins runs in microseconds; the configuration prints as pass: param=value lines; no template is left unfilled.
        Assert.Matches(@"latency p50 .*\d+\.\d µs", firstOutput);
        Assert.Matches(@"Configuration:\r?\n  precision: format=", firstOutput);
        Assert.DoesNotContain("{{", File.ReadAllText(Path.Combine(run, "summary.md")), StringComparison.Ordinal);
        var reportBefore = File.ReadAllBytes(Path.Combine(run, "report.json"));

        var (secondExit, secondOutput) = FoptProcess.Run(command);

        Assert.True(secondExit == 0, secondOutput);
        Assert.Contains($"Run {Path.GetFileName(run)} already completed on ", secondOutput, StringComparison.Ordinal);
        Assert.Contains("showing the stored result (use --force to run again)", secondOutput, StringComparison.Ordinal);
        Assert.Equal(stateBefore, File.ReadAllBytes(Path.Combine(run, "state.json")));
        Assert.Equal(reportBefore, File.ReadAllBytes(Path.Combine(run, "report.json")));
        using var state = JsonDocument.Parse(stateBefore);
        Assert.Contains("Best: " + state.RootElement.GetProperty("bestTrialId").GetString(), secondOutput, StringComparison.Ordinal);

        var (forcedExit, forcedOutput) = FoptProcess.Run([.. command, "--force"]);

        Assert.True(forcedExit == 0, forcedOutput);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(_out, "runs")).Length);
        Assert.Equal(stateBefore, File.ReadAllBytes(Path.Combine(run, "state.json")));
    }

    [Fact]
    public void Optimize_UnknownOption_ExitsTwoListingTheValidOptions()
    {
        var (exitCode, output) = FoptProcess.Run("optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--max-acc-drop", "0.01", "--out", _out);

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown option 'max-acc-drop'", output, StringComparison.Ordinal);
        Assert.Contains("--max-accuracy-drop", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_out, "runs")));
    }

    [Fact]
    public void Optimize_MaxAccuracyDropFive_ExitsTwoSuggestingAPercentage()
    {
        var (exitCode, output) = FoptProcess.Run("optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--max-accuracy-drop", "5", "--out", _out);

        Assert.Equal(2, exitCode);
        Assert.Contains("'5' is out of range (for 5% write 5% or 0.05)", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_out, "runs")));
    }

    [Fact]
    public void Optimize_UnknownPass_ExitsTwoListingTheValidPassesBeforeAnyRunStarts()
    {
        var (exitCode, output) = FoptProcess.Run("optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--passes", "fp16,quantise-dynamic", "--out", _out);

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown pass 'quantise-dynamic'", output, StringComparison.Ordinal);
        Assert.Contains("quantize-dynamic", output, StringComparison.Ordinal);
        Assert.DoesNotContain("started", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_out, "runs")));
    }

    [Fact]
    public void Version_Flag_PrintsTheAssemblysInformationalVersion()
    {
        var expected = typeof(FunctionsOpt.Cli.Commands.CliParsing).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;

        var (exitCode, output) = FoptProcess.Run("--version");

        Assert.Equal(0, exitCode);
        Assert.Equal(expected, output.Trim());
    }
}
