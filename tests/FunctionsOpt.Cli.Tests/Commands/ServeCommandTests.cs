using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Cli.Tests.Commands;

/// <summary>
/// The service journey from the command line: <c>fopt serve --azurite</c>, then <c>fopt submit --wait</c>,
/// <c>fopt status</c> and <c>fopt report --url</c> against it, each a separate process.
/// </summary>
public sealed class ServeCommandTests : IDisposable
{
    private const string ApiKey = "cli-test-key-0123456789";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Serve_SubmitWaitStatusAndReport_RunCompletesAndAzuriteStopsWithTheServer()
    {
        using var server = FoptServer.Start("--azurite", "--urls", "http://127.0.0.1:0", "--api-key", ApiKey);
        var url = server.Address.ToString();
        var models = new BlobServiceClient(server.StorageConnectionString).GetBlobContainerClient(ArtifactLayout.ModelsContainer);
        await models.CreateIfNotExistsAsync();
        await models.GetBlobClient("penguins/model.onnx").UploadAsync(FoptProcess.PenguinsModel);
        await models.GetBlobClient("penguins/eval.csv").UploadAsync(FoptProcess.PenguinsEval);
        var spec = new OptimizationSpec
        {
            Model = new ModelReference { Blob = "penguins/model.onnx" },
            Dataset = new DatasetReference { Blob = "penguins/eval.csv", LabelColumn = "species", Input = "features" },
            Objective = new ObjectiveSpec { Metric = ObjectiveMetric.SizeBytes },
            Search = new SearchSpec { Scheduler = SearchScheduler.Random, MaxTrials = 2, MaxResource = 1 },
            Passes = ["fp16", "quantize-dynamic"],
            Seed = 4,
        };
        var runId = SpecHash.RunIdOf(spec);
        var specFile = _temp.File("spec.json");
        await File.WriteAllTextAsync(specFile, JsonSerializer.Serialize(spec, JsonDefaults.Options));

        var (noKeyExit, noKeyOutput) = FoptProcess.Run("submit", specFile, "--url", url);
        var (submitExit, submitOutput) = FoptProcess.Run("submit", specFile, "--url", url, "--api-key", ApiKey, "--wait", "--poll-interval", "0.5");
        var (listExit, listOutput) = FoptProcess.Run("status", "--url", url, "--api-key", ApiKey, "--status", "completed");
        var (showExit, showOutput) = FoptProcess.Run("status", runId, "--url", url, "--api-key", ApiKey);
        var (reportExit, reportJson) = FoptProcess.Run("report", runId, "--url", url, "--api-key", ApiKey, "--format", "json");

        Assert.Equal(2, noKeyExit);
        Assert.Contains("unauthorized", noKeyOutput, StringComparison.Ordinal);
        Assert.True(submitExit == 0, submitOutput + server.Output);
        Assert.Contains($"Run {runId} started.", submitOutput, StringComparison.Ordinal);
        Assert.Contains($"{url}api/optimizations/{runId}/report", submitOutput, StringComparison.Ordinal);
        Assert.Matches(StatusRow(runId, "Completed"), submitOutput);
        Assert.True(listExit == 0, listOutput);
        Assert.True(listOutput.Contains(runId, StringComparison.Ordinal), listOutput);
        Assert.Contains("1 run(s)", listOutput, StringComparison.Ordinal);
        Assert.True(showExit == 0, showOutput);
        Assert.Matches(StatusRow(runId, "Completed"), showOutput);
        Assert.True(reportExit == 0, reportJson);
        var stored = (await new BlobServiceClient(server.StorageConnectionString).GetBlobContainerClient(ArtifactLayout.RunsContainer)
            .GetBlobClient(runId + "/report.json").DownloadContentAsync()).Value.Content.ToString();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stored), JsonNode.Parse(reportJson)));

        var blobPort = new Uri(Regex.Match(server.StorageConnectionString, "BlobEndpoint=([^;]+)").Groups[1].Value).Port;
        Assert.True(server.Stop(TimeSpan.FromSeconds(30)), "fopt serve did not stop on SIGTERM:\n" + server.Output);
        Assert.Equal(0, server.ExitCode);
        Assert.False(FoptServer.Listening(blobPort), "Azurite still listens after fopt serve stopped.");
    }

    // The status table's row: "Status" then the run status (box-drawing borders around both).
    private static Regex StatusRow(string runId, string status) => new($@"(?s){Regex.Escape(runId)}.*Status\W+{status}\b");
}
