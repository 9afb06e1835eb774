using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Reporting;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class ServingBatchPolicyTests
{
    private static ThroughputPoint Point(int batch, double throughput) => new() { BatchSize = batch, ThroughputPerSecond = throughput, P50Ms = batch / throughput * 1000, P95Ms = batch / throughput * 1100 };

    [Fact]
    public void Choose_CurveThatFlattens_PrefersKneeAndPeak()
    {
        // Peak 3368 at 64; 90% of it is 3031.2; the smallest size at or above that is 16 (3200).
        var plan = ServingBatchPolicy.Choose([Point(1, 1000), Point(4, 2500), Point(16, 3200), Point(64, 3368)], dynamicBatch: true);

        Assert.Equal(64, plan.MaxBatchSize);
        Assert.Equal([16, 64], plan.PreferredBatchSizes);
        Assert.Contains("batch 16", plan.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_ThroughputFallsAfterBatchOne_PrefersOne()
    {
        var plan = ServingBatchPolicy.Choose([Point(1, 100), Point(2, 95), Point(4, 60)], dynamicBatch: true);

        Assert.Equal(1, plan.MaxBatchSize);
        Assert.Equal([1], plan.PreferredBatchSizes);
    }

    [Fact]
    public void Choose_FixedBatchDimension_NoBatching()
    {
        var plan = ServingBatchPolicy.Choose([Point(1, 100)], dynamicBatch: false);

        Assert.Equal(0, plan.MaxBatchSize);
        Assert.Empty(plan.PreferredBatchSizes);
    }

    [Fact]
    public void HasDynamicBatch_SymbolicFirstDimension_True()
    {
        SourceModelInfo Model(long first) => new() { Name = "m", Sha256 = "x", Inputs = [new TensorSignature { Name = "x", ElementType = "float", Shape = [first, 4] }] };

        Assert.True(ServingBatchPolicy.HasDynamicBatch(Model(-1)));
        Assert.False(ServingBatchPolicy.HasDynamicBatch(Model(1)));
        Assert.False(ServingBatchPolicy.HasDynamicBatch(null));
    }
}
