using Azure.Storage.Blobs;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Host.Tests.Storage;

/// <summary>The portable host on real Azurite creates the containers a user uploads into, before any upload.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class ArtifactContainersStartupTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("fopt-containers-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task StartAsync_StorageWithoutTheModelsContainer_HostCreatesItAtStart()
    {
        var models = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(ArtifactLayout.ModelsContainer);
        await models.DeleteIfExistsAsync();
        Assert.False((await models.ExistsAsync()).Value);

        await using var host = await ApiHost.StartAsync(EngineHost.Settings(azurite, EngineHost.NewTaskHub(), _work, ingestion: false));

        Assert.True((await models.ExistsAsync()).Value);
    }
}
