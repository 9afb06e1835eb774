using Azure.Storage.Blobs;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Artifacts;

/// <summary>The store contract on a real Azurite started by the collection fixture.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class AzureBlobArtifactStoreTests : ArtifactStoreContractTests
{
    private readonly AzureBlobArtifactStore _store;
    private readonly AzureBlobArtifactStore _other;
    private readonly AzuriteFixture _azurite;

    public AzureBlobArtifactStoreTests(AzuriteFixture azurite)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        _azurite = azurite;
        _store = new AzureBlobArtifactStore(azurite.ConnectionString);
        _other = new AzureBlobArtifactStore(new BlobServiceClient(azurite.ConnectionString));
    }

    protected override IArtifactStore Store => _store;

    protected override IArtifactStore OtherStore => _other;

    [Fact]
    public async Task UploadAsync_RunFiles_LandInTheDocumentedContainersAndNames()
    {
        await Store.UploadAsync(ArtifactLayout.BestModel(RunId), new MemoryStream([1, 2, 3]));
        await Store.UploadAsync(ArtifactLayout.Model(RunId + "/model.onnx"), new MemoryStream([4]));

        var service = new BlobServiceClient(_azurite.ConnectionString);
        Assert.True((await service.GetBlobContainerClient("runs").GetBlobClient(RunId + "/best/model.onnx").ExistsAsync()).Value);
        Assert.True((await service.GetBlobContainerClient("models").GetBlobClient(RunId + "/model.onnx").ExistsAsync()).Value);
    }

    [Fact]
    public async Task TryWriteStateAsync_ETag_IsTheBlobETag()
    {
        var written = await Store.TryWriteStateAsync(NewState(), expectedETag: null);

        var properties = await new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient("runs").GetBlobClient(RunId + "/state.json").GetPropertiesAsync();

        Assert.Equal(properties.Value.ETag.ToString(), written.ETag);
        Assert.Equal("application/json", properties.Value.ContentType);
    }
}
