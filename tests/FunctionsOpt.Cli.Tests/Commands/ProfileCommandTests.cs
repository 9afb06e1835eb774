using System.Text.Json;
using FunctionsOpt.Tests.Shared;

namespace FunctionsOpt.Cli.Tests.Commands;

public sealed class ProfileCommandTests
{
    [Fact]
    public void Profile_PenguinsWithData_WritesJsonWithRecordedAccuracyLatencyAndMemory()
    {
        using var temp = new TempFolder();
        var json = temp.File("profile.json");
        using var metadata = JsonDocument.Parse(File.ReadAllText(FoptProcess.PenguinsMetadata));
        var recordedAccuracy = metadata.RootElement.GetProperty("evaluation").GetProperty("heldout_accuracy").GetDouble();

        var (exitCode, output) = FoptProcess.Run(
            "profile", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval,
            "--batch-sizes", "1,8", "--runs", "20", "--max-seconds", "2", "--json", json);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Accuracy", output, StringComparison.Ordinal);
        Assert.Contains("p50 ms", output, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var root = report.RootElement;
        Assert.Equal(recordedAccuracy, root.GetProperty("evaluation").GetProperty("classification").GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal("cpu", root.GetProperty("evaluation").GetProperty("provider").GetProperty("used").GetString());
        var batches = root.GetProperty("performance").GetProperty("batches").EnumerateArray().ToList();
        Assert.Equal([1, 8], batches.Select(b => b.GetProperty("batchSize").GetInt32()));
        Assert.All(batches, b => Assert.True(b.GetProperty("p50Ms").GetDouble() > 0));
        Assert.Equal("dataset", root.GetProperty("performance").GetProperty("inputSource").GetString());
        var memory = root.GetProperty("performance").GetProperty("memory");
        Assert.True(memory.GetProperty("peakBytes").GetInt64() > memory.GetProperty("baselinePeakBytes").GetInt64());
        Assert.Equal(new FileInfo(FoptProcess.PenguinsModel).Length, root.GetProperty("performance").GetProperty("modelBytes").GetInt64());
        Assert.Equal(64, root.GetProperty("modelSha256").GetString()!.Length);
    }

    [Fact]
    public void Profile_CudaWithoutFallback_ExitsTwoWithProviderUnavailable()
    {
        var (exitCode, output) = FoptProcess.Run("profile", FoptProcess.PenguinsModel, "--provider", "cuda", "--no-memory");

        Assert.Equal(2, exitCode);
        Assert.Contains("provider-unavailable", output, StringComparison.Ordinal);
        Assert.Contains("allow CPU fallback", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_CudaWithFallback_RecordsRequestedAndUsedProvider()
    {
        using var temp = new TempFolder();
        var json = temp.File("profile.json");

        var (exitCode, output) = FoptProcess.Run(
            "profile", FoptProcess.PenguinsModel, "--provider", "cuda", "--allow-cpu-fallback", "--no-memory",
            "--batch-sizes", "1", "--runs", "5", "--json", json);

        Assert.True(exitCode == 0, output);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var provider = report.RootElement.GetProperty("performance").GetProperty("provider");
        Assert.Equal("cuda", provider.GetProperty("requested").GetString());
        Assert.Equal("cpu", provider.GetProperty("used").GetString());
        Assert.StartsWith("cuda provider could not be loaded", provider.GetProperty("fallbackReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_CsvWithWrongFeatureCount_ExitsTwoNamingTheMismatch()
    {
        using var temp = new TempFolder();
        var csv = temp.File("eval.csv");
        File.WriteAllText(csv, "a,b,c,species\n1,2,3,Adelie\n4,5,6,Gentoo\n");

        var (exitCode, output) = FoptProcess.Run("profile", FoptProcess.PenguinsModel, "--data", csv, "--no-memory");

        Assert.Equal(2, exitCode);
        Assert.Contains("invalid-data", output, StringComparison.Ordinal);
        Assert.Contains("features", output, StringComparison.Ordinal);
        Assert.Contains("axis 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_BadBatchSizeList_ExitsTwoExplainingFormat()
    {
        var (exitCode, output) = FoptProcess.Run("profile", FoptProcess.PenguinsModel, "--batch-sizes", "1,x");

        Assert.Equal(2, exitCode);
        Assert.Contains("positive integers separated by commas", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_SymbolicSequenceWithoutDimThenWithDimThenWithData_NamesTheDimThenMeasuresMemory()
    {
        using var temp = new TempFolder();
        var model = temp.File("tagger.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(TestModels.Tagger(5, 3, Enumerable.Range(0, 15).Select(i => (float)i).ToArray())));
        var data = temp.File("tokens.npz");
        File.WriteAllBytes(data, TestArrays.Npz(("input_ids", new long[] { 0, 1, 2, 3, 4, 1 }, [2, 3]), ("attention_mask", new long[] { 1, 1, 1, 0, 1, 1 }, [2, 3])));

        var (noDimExit, noDim) = FoptProcess.Run("profile", model, "--batch-sizes", "1", "--runs", "3");
        var withDimJson = temp.File("dim.json");
        var (dimExit, dim) = FoptProcess.Run("profile", model, "--batch-sizes", "2", "--runs", "3", "--dim", "seq=7", "--json", withDimJson);
        var withDataJson = temp.File("data.json");
        var (dataExit, withData) = FoptProcess.Run("profile", model, "--data", data, "--batch-sizes", "2", "--runs", "3", "--json", withDataJson);

        Assert.Equal(2, noDimExit);
        Assert.Contains("invalid-request", noDim, StringComparison.Ordinal);
        Assert.Contains("'seq'", noDim, StringComparison.Ordinal);
        Assert.Contains("--dim seq=SIZE", noDim, StringComparison.Ordinal);
        Assert.True(dimExit == 0, dim);
        Assert.True(dataExit == 0, withData);
        foreach (var file in new[] { withDimJson, withDataJson })
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var memory = json.RootElement.GetProperty("performance").GetProperty("memory");
            Assert.True(memory.GetProperty("peakBytes").GetInt64() > 0, file);
        }
    }

    [Fact]
    public void Profile_FixedDimensionOfTwoToTheForty_ExitsTwoWithStableCode()
    {
        using var temp = new TempFolder();
        var model = temp.File("wide.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(TestModels.WideIdentity(1L << 40)));

        var (exitCode, output) = FoptProcess.Run("profile", model, "--batch-sizes", "1", "--runs", "3", "--no-memory");

        Assert.Equal(2, exitCode);
        Assert.Contains("(invalid-request)", output, StringComparison.Ordinal);
        Assert.Contains("1099511627776", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_CsvWithoutHeader_ExitsTwoAskingForAHeader()
    {
        using var temp = new TempFolder();
        var csv = temp.File("eval.csv");
        File.WriteAllText(csv, "39.1,18.7,181,3750,0\n46.5,17.9,192,3500,1\n");

        var (exitCode, output) = FoptProcess.Run("profile", FoptProcess.PenguinsModel, "--data", csv, "--label-column", "0", "--no-memory");

        Assert.Equal(2, exitCode);
        Assert.Contains("invalid-data", output, StringComparison.Ordinal);
        Assert.Contains("has no header row", output, StringComparison.Ordinal);
    }
}
