using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Orchestration.Tests.Artifacts;

/// <summary>The store contract on a fresh temporary folder, plus what is specific to the folder layout.</summary>
public sealed class LocalFolderArtifactStoreTests : ArtifactStoreContractTests, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fopt-store-");
    private readonly LocalFolderArtifactStore _store;
    private readonly LocalFolderArtifactStore _other;

    public LocalFolderArtifactStoreTests()
    {
        _store = new LocalFolderArtifactStore(_root.FullName);
        _other = new LocalFolderArtifactStore(_root.FullName);
    }

    protected override IArtifactStore Store => _store;

    protected override IArtifactStore OtherStore => _other;

    [Fact]
    public async Task UploadAsync_RunFiles_LandInTheDocumentedFolders()
    {
        await Store.UploadAsync(ArtifactLayout.BestModel(RunId), new MemoryStream([1, 2, 3]));
        await Store.PutCandidateIfAbsentAsync(RunId, "h", new MemoryStream([4]));
        await Store.TryWriteStateAsync(NewState(), null);

        Assert.True(File.Exists(Path.Combine(_root.FullName, "runs", RunId, "best", "model.onnx")));
        Assert.True(File.Exists(Path.Combine(_root.FullName, "runs", RunId, "candidates", "h.onnx")));
        Assert.True(File.Exists(Path.Combine(_root.FullName, "runs", RunId, "state.json")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root.FullName, ".tmp")));
    }

    [Fact]
    public async Task ListAsync_InternalFolders_AreNeverListed()
    {
        await Store.TryWriteStateAsync(NewState(), null);
        Directory.CreateDirectory(Path.Combine(_root.FullName, "runs", RunId, ".scratch"));
        await File.WriteAllTextAsync(Path.Combine(_root.FullName, "runs", RunId, ".scratch", "x.tmp"), "x");

        var listed = await Store.ListAsync(ArtifactContainer.Runs, string.Empty).ToListAsync();

        Assert.Equal([$"runs/{RunId}/state.json"], listed.Select(i => i.Path.ToString()));
    }

    public void Dispose() => _root.Delete(recursive: true);
}
