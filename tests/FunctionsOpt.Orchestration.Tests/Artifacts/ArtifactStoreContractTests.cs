using System.Security.Cryptography;
using System.Text;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Artifacts;

/// <summary>
/// The behaviour every <see cref="IArtifactStore"/> must have, run against each implementation by a derived class.
/// Each test works under its own fresh run id, so tests sharing one storage account do not see each other.
/// </summary>
public abstract class ArtifactStoreContractTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    protected ArtifactStoreContractTests()
    {
        RunId = "run-" + Guid.NewGuid().ToString("N")[..16];
    }

    protected string RunId { get; }

    /// <summary>The store under test (one per test; the same storage behind every instance of a class).</summary>
    protected abstract IArtifactStore Store { get; }

    /// <summary>A second store instance over the same storage, as another worker process would have.</summary>
    protected abstract IArtifactStore OtherStore { get; }

    [Fact]
    public async Task UploadAsync_ThenOpenRead_ReturnsTheBytes()
    {
        var path = ArtifactLayout.Report(RunId);

        await Store.UploadAsync(path, Bytes("{\"ok\":true}"));

        Assert.Equal("{\"ok\":true}", await ReadTextAsync(Store, path));
        Assert.True(await Store.ExistsAsync(path));
    }

    [Fact]
    public async Task UploadAsync_Twice_ReplacesTheContent()
    {
        var path = ArtifactLayout.TrialsCsv(RunId);

        await Store.UploadAsync(path, Bytes("first,longer,content"));
        await Store.UploadAsync(path, Bytes("second"));

        Assert.Equal("second", await ReadTextAsync(OtherStore, path));
    }

    [Fact]
    public async Task UploadFileAsync_ThenDownloadToFile_CopiesTheFile()
    {
        var folder = Directory.CreateTempSubdirectory("fopt-file-");
        try
        {
            var source = Path.Combine(folder.FullName, "in.bin");
            var payload = RandomNumberGenerator.GetBytes(300_000);
            await File.WriteAllBytesAsync(source, payload);
            var path = ArtifactLayout.Model(RunId + "/model.onnx");

            await Store.UploadFileAsync(path, source);
            var target = Path.Combine(folder.FullName, "out", "model.onnx");
            await Store.DownloadToFileAsync(path, target);

            Assert.Equal(payload, await File.ReadAllBytesAsync(target));
            Assert.Equal([target], Directory.GetFiles(Path.GetDirectoryName(target)!));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PutCandidateIfAbsentAsync_SameHashTwice_WritesOnceAndKeepsTheFirstContent()
    {
        var first = await Store.PutCandidateIfAbsentAsync(RunId, "abc123", Bytes("model-A"));
        var second = await OtherStore.PutCandidateIfAbsentAsync(RunId, "abc123", Bytes("model-B"));

        Assert.True(first);
        Assert.False(second);
        Assert.Equal("model-A", await ReadTextAsync(Store, ArtifactLayout.Candidate(RunId, "abc123")));
    }

    [Fact]
    public async Task PutCandidateIfAbsentAsync_ConcurrentWritersOfOneHash_ExactlyOneWritesAndContentIsIntact()
    {
        var payloads = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)('a' + i), 1_000_000).ToArray()).ToList();

        // Several rounds, each a fresh hash raced by eight writers through two store instances.
        foreach (var hash in new[] { "race1", "race2", "race3", "race4" })
        {
            using var start = new ManualResetEventSlim();
            var writers = payloads.Select((p, i) => Task.Run(async () =>
            {
                start.Wait();
                return await (i % 2 == 0 ? Store : OtherStore).PutCandidateIfAbsentAsync(RunId, hash, new MemoryStream(p));
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(writers);

            Assert.Equal(1, results.Count(r => r));
            var stored = await ReadBytesAsync(Store, ArtifactLayout.Candidate(RunId, hash));
            Assert.Equal(payloads[Array.IndexOf(results, true)], stored);
        }
    }

    [Fact]
    public async Task PutCandidateFileIfAbsentAsync_ExistingHash_ReusesIt()
    {
        await Store.PutCandidateIfAbsentAsync(RunId, "h1", Bytes("built"));
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "rebuilt");

            var wrote = await Store.PutCandidateFileIfAbsentAsync(RunId, "h1", file);

            Assert.False(wrote);
            Assert.Equal("built", await ReadTextAsync(Store, ArtifactLayout.Candidate(RunId, "h1")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ListAsync_RunPrefix_ReturnsTheRunsFilesInNameOrder()
    {
        await Store.UploadAsync(ArtifactLayout.TrialsCsv(RunId), Bytes("t"));
        await Store.UploadAsync(ArtifactLayout.BestModel(RunId), Bytes("best"));
        await Store.PutCandidateIfAbsentAsync(RunId, "bb", Bytes("2"));
        await Store.PutCandidateIfAbsentAsync(RunId, "aa", Bytes("1"));
        await Store.TryWriteStateAsync(NewState(), expectedETag: null);
        await Store.UploadAsync(ArtifactLayout.Report(RunId + "x"), Bytes("another run"));

        var all = await Store.ListAsync(ArtifactContainer.Runs, ArtifactLayout.RunPrefix(RunId)).ToListAsync();
        var candidates = await OtherStore.ListAsync(ArtifactContainer.Runs, ArtifactLayout.CandidatesPrefix(RunId)).ToListAsync();

        string[] names = ["best/model.onnx", "candidates/aa.onnx", "candidates/bb.onnx", "state.json", "trials.csv"];
        Assert.Equal(names.Select(n => $"runs/{RunId}/{n}"), all.Select(a => a.Path.ToString()));
        Assert.Equal([1L, 1L], candidates.Select(c => c.Length));
        Assert.Equal(4L, all[0].Length);
    }

    [Fact]
    public async Task ListAsync_PartialNamePrefix_MatchesLikeBlobStorage()
    {
        await Store.UploadAsync(ArtifactLayout.Model(RunId + "/alpha.onnx"), Bytes("a"));
        await Store.UploadAsync(ArtifactLayout.Model(RunId + "/alps/deep.csv"), Bytes("b"));
        await Store.UploadAsync(ArtifactLayout.Model(RunId + "/beta.onnx"), Bytes("c"));

        var listed = await Store.ListAsync(ArtifactContainer.Models, RunId + "/al").ToListAsync();

        Assert.Equal([RunId + "/alpha.onnx", RunId + "/alps/deep.csv"], listed.Select(i => i.Path.Name));
    }

    [Fact]
    public async Task ListAsync_NothingUnderPrefix_IsEmpty()
    {
        Assert.Empty(await Store.ListAsync(ArtifactContainer.Runs, ArtifactLayout.RunPrefix(RunId)).ToListAsync());
    }

    [Fact]
    public async Task ListAsync_TraversalPrefix_ThrowsTypedError()
    {
        await Assert.ThrowsAsync<InvalidArtifactPathException>(async () => await Store.ListAsync(ArtifactContainer.Runs, "../").ToListAsync());
    }

    [Fact]
    public async Task OpenReadAsync_MissingArtifact_ThrowsTypedNotFound()
    {
        var path = ArtifactLayout.Model(RunId + "/missing.onnx");

        var error = await Assert.ThrowsAsync<ArtifactNotFoundException>(() => Store.OpenReadAsync(path));

        Assert.Equal("artifact-not-found", error.ErrorCode);
        Assert.Equal(path, error.Path);
        Assert.False(await Store.ExistsAsync(path));
    }

    [Fact]
    public async Task DownloadToFileAsync_MissingArtifact_ThrowsTypedNotFoundAndLeavesNoFile()
    {
        var target = Path.Combine(Path.GetTempPath(), "fopt-" + Guid.NewGuid().ToString("N") + ".onnx");

        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => Store.DownloadToFileAsync(ArtifactLayout.BestModel(RunId), target));

        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Operations_TraversalRunIdOrName_ThrowTypedErrorBeforeTouchingStorage()
    {
        await Assert.ThrowsAsync<InvalidArtifactPathException>(() => Store.PutCandidateIfAbsentAsync("../" + RunId, "h", Bytes("x")));
        await Assert.ThrowsAsync<InvalidArtifactPathException>(() => Store.PutCandidateIfAbsentAsync(RunId, "../../models/h", Bytes("x")));
        await Assert.ThrowsAsync<InvalidArtifactPathException>(() => Store.ReadStateAsync(".."));
        await Assert.ThrowsAsync<InvalidArtifactPathException>(() => Store.TryWriteStateAsync(NewState() with { RunId = "a/../b" }, null));
        await Assert.ThrowsAsync<InvalidArtifactPathException>(() => Store.UpdateStateAsync("/etc", s => s));
    }

    [Fact]
    public async Task ReadStateAsync_NoRecord_ReturnsNull()
    {
        Assert.Null(await Store.ReadStateAsync(RunId));
    }

    [Fact]
    public async Task TryWriteStateAsync_Create_StoresVersionOneAndReadsBack()
    {
        var written = await Store.TryWriteStateAsync(NewState(), expectedETag: null);

        var read = await OtherStore.ReadStateAsync(RunId);

        Assert.True(written.Written);
        Assert.NotNull(read);
        Assert.Equal(1, read.State.Version);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(RunId, read.State.RunId);
        Assert.Equal("penguins/model.onnx", read.State.Spec.Model.Blob);
    }

    [Fact]
    public async Task TryWriteStateAsync_CreateWhenRecordExists_IsAConflict()
    {
        await Store.TryWriteStateAsync(NewState(), expectedETag: null);

        var second = await OtherStore.TryWriteStateAsync(NewState() with { Status = RunStatus.Failed }, expectedETag: null);

        Assert.False(second.Written);
        Assert.Equal(RunStatus.Pending, (await Store.ReadStateAsync(RunId))!.State.Status);
    }

    [Fact]
    public async Task TryWriteStateAsync_StaleETag_IsAConflictAndKeepsTheWinner()
    {
        await Store.TryWriteStateAsync(NewState(), expectedETag: null);
        var a = (await Store.ReadStateAsync(RunId))!;
        var b = (await OtherStore.ReadStateAsync(RunId))!;

        var first = await Store.TryWriteStateAsync(a.State with { Status = RunStatus.Validating }, a.ETag);
        var second = await OtherStore.TryWriteStateAsync(b.State with { Status = RunStatus.Cancelled }, b.ETag);

        Assert.True(first.Written);
        Assert.False(second.Written);
        Assert.NotEqual(a.ETag, first.ETag);
        var now = (await Store.ReadStateAsync(RunId))!;
        Assert.Equal(RunStatus.Validating, now.State.Status);
        Assert.Equal(2, now.State.Version);
        Assert.Equal(first.ETag, now.ETag);
    }

    [Fact]
    public async Task TryWriteStateAsync_ETagOfMissingRecord_IsAConflict()
    {
        var result = await Store.TryWriteStateAsync(NewState(), expectedETag: "\"0x8DEADBEEF\"");

        Assert.False(result.Written);
        Assert.Null(await Store.ReadStateAsync(RunId));
    }

    [Fact]
    public async Task UpdateStateAsync_TwentyConcurrentIncrements_AllLand()
    {
        await Store.TryWriteStateAsync(NewState(), expectedETag: null);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : OtherStore).UpdateStateAsync(RunId, s => s.WithTrial(new TrialResult { TrialId = $"t-{i:00}", Configuration = "c" + i })))));

        var final = (await Store.ReadStateAsync(RunId))!.State;
        Assert.Equal(20, final.Trials.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"t-{i:00}"), final.Trials.Select(t => t.TrialId).Order(StringComparer.Ordinal));
        Assert.Equal(21, final.Version);
    }

    [Fact]
    public async Task UpdateStateAsync_RedeliveredTrial_IsCountedOnce()
    {
        await Store.TryWriteStateAsync(NewState(), expectedETag: null);
        var trial = new TrialResult { TrialId = "t-1", Configuration = "fp16" };

        await Store.UpdateStateAsync(RunId, s => s.WithTrial(trial));
        var after = await OtherStore.UpdateStateAsync(RunId, s => s.WithTrial(trial));

        Assert.Single(after.Trials);
        Assert.Equal(3, after.Version);
    }

    [Fact]
    public async Task UpdateStateAsync_MutationReturnsSameRecord_WritesNothing()
    {
        await Store.TryWriteStateAsync(NewState(), expectedETag: null);
        var before = (await Store.ReadStateAsync(RunId))!;

        var result = await Store.UpdateStateAsync(RunId, s => s);

        Assert.Equal(1, result.Version);
        Assert.Equal(before.ETag, (await Store.ReadStateAsync(RunId))!.ETag);
    }

    [Fact]
    public async Task UpdateStateAsync_NoRecord_ThrowsTypedNotFound()
    {
        var error = await Assert.ThrowsAsync<ArtifactNotFoundException>(() => Store.UpdateStateAsync(RunId, s => s with { Status = RunStatus.Failed }));

        Assert.Equal(ArtifactLayout.State(RunId), error.Path);
    }

    [Fact]
    public async Task UpdateStateAsync_MutationChangesRunId_IsRefused()
    {
        await Store.TryWriteStateAsync(NewState(), expectedETag: null);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.UpdateStateAsync(RunId, s => s with { RunId = "run-other" }));
    }

    protected RunState NewState() => RunState.Create(RunId, SpecValidator.Default.Parse(SpecSamples.Full), Created);

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    private static async Task<byte[]> ReadBytesAsync(IArtifactStore store, ArtifactPath path)
    {
        await using var stream = await store.OpenReadAsync(path);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static async Task<string> ReadTextAsync(IArtifactStore store, ArtifactPath path) =>
        Encoding.UTF8.GetString(await ReadBytesAsync(store, path));
}
