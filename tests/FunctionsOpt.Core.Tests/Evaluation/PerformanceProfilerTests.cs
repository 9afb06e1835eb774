using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Evaluation;

public sealed class PerformanceProfilerTests
{
    private static readonly ProfileOptions Quick = new() { WarmupRuns = 2, TimedRuns = 20, MinTimedRuns = 5, MaxSecondsPerBatchSize = 2, BatchSizes = [1, 4] };

    [Fact]
    public void Profile_PenguinsSample_MeasuresEachBatchSizeWithOrderedPercentiles()
    {
        var profiler = new PerformanceProfiler(new InferenceSessionFactory());

        var profile = profiler.Profile(TestPaths.PenguinsModel, new SessionSettings { IntraOpThreads = 1 }, Quick);

        Assert.Equal([1, 4], profile.Batches.Select(b => b.BatchSize));
        foreach (var batch in profile.Batches)
        {
            Assert.Equal(20, batch.Runs);
            Assert.True(batch.MinMs <= batch.P50Ms && batch.P50Ms <= batch.P90Ms && batch.P90Ms <= batch.P95Ms
                        && batch.P95Ms <= batch.P99Ms && batch.P99Ms <= batch.MaxMs);
            Assert.Equal(batch.BatchSize * 1000.0 / batch.P50Ms, batch.ThroughputPerSecond, 9);
        }

        Assert.Same(profile.Batches[0], profile.Batch1);
        Assert.True(profile.IoBinding);
        Assert.Equal("synthetic (seed 1234)", profile.InputSource);
        Assert.Equal(new FileInfo(TestPaths.PenguinsModel).Length, profile.ModelBytes);
        Assert.Null(profile.Memory);
        Assert.Equal("cpu", profile.Provider.Used);
    }

    [Fact]
    public void Profile_FixedBatchOneModel_SkipsLargerBatchSizesWithReason()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, [1, 2, 3, 4, 5, 6], [0, 0, 0], fixedBatch: 1), temp.Path);

        var profile = new PerformanceProfiler(new InferenceSessionFactory()).Profile(path, new SessionSettings(), Quick);

        Assert.Equal([1], profile.Batches.Select(b => b.BatchSize));
        var skipped = Assert.Single(profile.Skipped);
        Assert.Equal(4, skipped.BatchSize);
        Assert.Contains("fixes its batch dimension to 1", skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_SymbolicNonBatchDimensionWithoutData_ThrowsAskingForData()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.SymbolicSequence(), temp.Path);

        var error = Assert.Throws<InvalidEvaluationRequestException>(
            () => new PerformanceProfiler(new InferenceSessionFactory()).Profile(path, new SessionSettings(), Quick));

        Assert.Contains("symbolic dimension 'seq' on axis 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("--data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MeasureSize_SparseWeights_CompressFarBetterThanDense()
    {
        // Same shape, same file size; 90% zeros compress to a fraction of what random weights do.
        using var temp = new TempFolder();
        var random = new Random(7);
        var dense = Enumerable.Range(0, 64 * 64).Select(_ => (float)random.NextDouble()).ToArray();
        var sparse = dense.Select((v, i) => i % 10 == 0 ? v : 0f).ToArray();
        var densePath = TinyModels.Save(TinyModels.Linear(64, 64, dense, new float[64]), temp.Path, "dense.onnx");
        var sparsePath = TinyModels.Save(TinyModels.Linear(64, 64, sparse, new float[64]), temp.Path, "sparse.onnx");

        var (denseBytes, denseGzip) = PerformanceProfiler.MeasureSize(densePath);
        var (sparseBytes, sparseGzip) = PerformanceProfiler.MeasureSize(sparsePath);

        Assert.Equal(denseBytes, sparseBytes);
        Assert.Equal(new FileInfo(densePath).Length, denseBytes);
        Assert.True(denseGzip > 0.8 * denseBytes, $"random floats barely compress: {denseGzip}/{denseBytes}");
        Assert.True(sparseGzip < 0.3 * sparseBytes, $"90% zeros compress well: {sparseGzip}/{sparseBytes}");
    }

    [Fact]
    public void MeasureSize_ExternalData_CountsTheDataFile()
    {
        using var temp = new TempFolder();
        float[] weights = [1, 2, 3, 4, 5, 6];
        var model = TinyModels.Linear(2, 3, weights, [0, 0, 0]);
        TinyModels.Externalize(model, "W", "weights.bin");
        File.WriteAllBytes(temp.File("weights.bin"), TinyModels.FloatBytes(weights));
        var path = TinyModels.Save(model, temp.Path);

        var (bytes, _) = PerformanceProfiler.MeasureSize(path);

        Assert.Equal(new FileInfo(path).Length + 24, bytes);
    }

    [Fact]
    public void Profile_SymbolicNonBatchDimensionGivenByName_UsesThatSize()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.SymbolicSequence(), temp.Path);

        var profile = new PerformanceProfiler(new InferenceSessionFactory()).Profile(
            path, new SessionSettings { IntraOpThreads = 1 }, Quick with { BatchSizes = [2], Dimensions = new Dictionary<string, long> { ["seq"] = 5 } });

        Assert.Equal(2, Assert.Single(profile.Batches).BatchSize);
    }

    [Fact]
    public void RequireSynthesizable_FixedDimensionOfTwoToTheForty_ThrowsTypedNamingTheShape()
    {
        // ONNX Runtime's metadata holds this dimension as a 32-bit 0, so the check reads the model's own shapes.
        using var temp = new TempFolder();
        var path = TinyModels.Save(global::FunctionsOpt.Tests.Shared.TestModels.WideIdentity(1L << 40), temp.Path);
        var inputs = new Core.Onnx.OnnxModelInspector().Inspect(path).Inputs;

        var error = Assert.Throws<InvalidEvaluationRequestException>(() => ProfileService.RequireSynthesizable(inputs, Quick));

        Assert.Equal("invalid-request", error.ErrorCode);
        Assert.Contains("1099511627776", error.Message, StringComparison.Ordinal);
        Assert.Contains("Input 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DimensionsFor_DataFixesSymbolicAxis_GivenSizesWin()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.SymbolicSequence(), temp.Path);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        var dataset = new Core.Data.EvaluationDataset(new Dictionary<string, Core.Data.DataArray> { ["x"] = Core.Data.DataArray.FromFloats(new float[6], [2, 3]) });

        Assert.Equal(3, PerformanceProfiler.DimensionsFor(session, dataset, null)!["seq"]);
        Assert.Equal(7, PerformanceProfiler.DimensionsFor(session, dataset, new Dictionary<string, long> { ["seq"] = 7 })!["seq"]);
        Assert.Null(PerformanceProfiler.DimensionsFor(session, null, null));
    }
}
