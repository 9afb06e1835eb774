using System.Text.Json;
using Azure.Storage.Blobs;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Host.Tests.Ingestion;

[Collection(AzuriteGroup.Name)]
public sealed class BlobSpecWatcherTests(AzuriteFixture azurite)
{
    private BlobContainerClient Models => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(ArtifactLayout.ModelsContainer);

    [Fact]
    public async Task BlobDrop_ModelDataAndSpecUploaded_RunCompletesWithReportAndIsNotResubmittedAfterRestart()
    {
        var folder = "drop-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, folder);
        var spec = Samples.PenguinsQuick(folder);
        var runId = SpecHash.RunIdOf(spec);
        var taskHub = EngineHost.NewTaskHub();

        await using (var host = await EngineHost.StartAsync(azurite, ingestion: true, taskHub: taskHub))
        {
            await Models.GetBlobClient(folder + "/penguins.opt.json").UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(spec, JsonDefaults.Options)));
            await Eventually.ExistsAsync(() => host.Runs.GetInstanceAsync(runId), TimeSpan.FromSeconds(60));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var summary = await host.Runs.WaitAsync(runId, timeout.Token);

            Assert.Equal(RunStatus.Completed, summary!.Status);
            Assert.True(await host.Store.ExistsAsync(ArtifactLayout.Report(runId)));
            Assert.True(await host.Store.ExistsAsync(ArtifactLayout.BestModel(runId)));
            Assert.True(await host.Store.ExistsAsync(ArtifactLayout.TrialsCsv(runId)));
        }

        // A restarted host on the same storage finds the spec version already handled.
        await using (var restarted = await EngineHost.StartAsync(azurite, ingestion: false, taskHub: taskHub))
        {
            var watcher = restarted.Services.GetRequiredService<BlobSpecWatcher>();
            Assert.Equal(0, await watcher.ScanOnceAsync());
        }
    }

    [Fact]
    public async Task BlobDrop_InvalidSpec_WritesErrorReportWithEveryProblemAndStartsNothing()
    {
        var name = "bad-" + Guid.NewGuid().ToString("N")[..8];
        const string Json = """{ "schemaVersion": "1.0", "model": { "path": "/etc/model.onnx" }, "dataset": { "blob": "x/eval.csv" }, "seed": "three" }""";
        await using var host = await EngineHost.StartAsync(azurite, ingestion: false);
        var watcher = host.Services.GetRequiredService<BlobSpecWatcher>();
        await Models.CreateIfNotExistsAsync();
        await Models.GetBlobClient(name + ".opt.json").UploadAsync(BinaryData.FromString(Json));

        var handled = await watcher.ScanOnceAsync();
        var handledAgain = await watcher.ScanOnceAsync();

        Assert.True(handled >= 1);
        Assert.Equal(0, handledAgain);
        var content = (await Models.GetBlobClient(name + ".opt.error.json").DownloadContentAsync()).Value.Content;
        var report = content.ToObjectFromJson<SpecRejection>(JsonDefaults.Options)!;
        Assert.Equal("models/" + name + ".opt.json", report.Spec);
        Assert.Equal("invalid-spec", report.Code);
        Assert.Contains(report.Errors, p => p.Path.StartsWith("$.seed", StringComparison.Ordinal));
        var instances = new List<string>();
        await foreach (var instance in host.Runs.Client.GetAllInstancesAsync())
        {
            instances.Add(instance.InstanceId);
        }

        Assert.Empty(instances);
    }
}
