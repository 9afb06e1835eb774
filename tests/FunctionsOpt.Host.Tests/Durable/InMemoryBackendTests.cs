using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Host.Tests.Durable;

[Collection(AzuriteGroup.Name)]
public sealed class InMemoryBackendTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_InMemoryBackendWithBlobStore_Completes()
    {
        var folder = "memory-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, folder);
        await using var host = await EngineHost.StartAsync(azurite, configure: s => s["FunctionsOpt:DurableEngine:Backend"] = "InMemory");

        var submitted = await host.Runs.SubmitAsync(Samples.PenguinsQuick(folder, seed: 13));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var summary = await host.Runs.WaitAsync(submitted.RunId, timeout.Token);

        Assert.Equal(DurableBackendKind.InMemory, host.Services.GetRequiredService<DurableBackend>().Kind);
        Assert.Equal(RunStatus.Completed, summary!.Status);
        Assert.True(await host.Store.ExistsAsync(ArtifactLayout.Report(submitted.RunId)));
    }
}
