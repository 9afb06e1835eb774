using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Host.Tests.Durable;

[Collection(AzuriteGroup.Name)]
public sealed class AzureStorageEngineTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _temp = Directory.CreateTempSubdirectory("fopt-host-test-").FullName;
    private EngineHost _host = null!;

    public async Task InitializeAsync() => _host = await EngineHost.StartAsync(azurite);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    [Fact]
    public async Task Run_PenguinsHyperbandOnAzuriteWithBlobStore_CompletesWithABestModelThatMeetsTheConstraint()
    {
        var folder = "penguins-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, folder);
        var spec = Samples.PenguinsHyperband(folder);

        var submitted = await _host.Runs.SubmitAsync(spec);
        var again = await _host.Runs.SubmitAsync(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var summary = await _host.Runs.WaitAsync(submitted.RunId, timeout.Token);

        Assert.True(submitted.Started);
        Assert.Equal(new SubmitResultView(submitted.RunId, false), new SubmitResultView(again.RunId, again.Started));
        Assert.NotNull(summary);
        Assert.Equal(RunStatus.Completed, summary.Status);
        var state = (await _host.Store.ReadStateAsync(submitted.RunId))!.State;
        Assert.Equal(RunStatus.Completed, state.Status);
        Assert.Equal(summary.BestTrialId, state.BestTrialId);
        Assert.Equal(state.Trials.Count, state.Trials.Select(t => t.TrialId).Distinct(StringComparer.Ordinal).Count());
        Assert.True(await _host.Store.ExistsAsync(ArtifactLayout.Report(submitted.RunId)));
        Assert.True(await _host.Store.ExistsAsync(ArtifactLayout.TrialsCsv(submitted.RunId)));

        // The best model, read back from the blob store and scored on the whole eval.csv, meets the accuracy bar.
        var best = await Penguins.DownloadAsync(_host.Store, ArtifactLayout.BestModel(submitted.RunId), _temp);
        var baseline = Penguins.Accuracy(Path.Combine(Samples.Penguins, "model.onnx"));
        var accuracy = Penguins.Accuracy(best);
        Assert.True(accuracy >= baseline - 0.01 - 1e-12, $"best {accuracy} vs baseline {baseline}");
        Assert.False(summary.BestEffort);
    }

    private sealed record SubmitResultView(string RunId, bool Started);
}
