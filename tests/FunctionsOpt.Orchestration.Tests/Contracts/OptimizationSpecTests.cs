using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Contracts;

public sealed class OptimizationSpecTests
{
    [Fact]
    public void Parse_FullSpec_ReadsEveryValue()
    {
        var spec = SpecValidator.Default.Parse(SpecSamples.Full);

        Assert.Equal("penguins/model.onnx", spec.Model.Blob);
        Assert.Equal(EvaluationTask.Classification, spec.Dataset.Task);
        Assert.Equal(["bill_length_mm", "bill_depth_mm"], spec.Dataset.FeatureColumns);
        Assert.Equal(MissingValueHandling.DropRows, spec.Dataset.MissingValues);
        Assert.Equal(SpecScoreKind.Logits, spec.Dataset.ScoreKind);
        Assert.Equal(ObjectiveMetric.LatencyP95, spec.Objective.Metric);
        Assert.Equal(8, spec.Objective.BatchSize);
        Assert.Equal(2, spec.Constraints.Quality.Count);
        Assert.Equal(DropMode.Absolute, spec.Constraints.Quality[0].Mode);
        Assert.Equal(new QualityConstraint { Metric = QualityMetric.Auc, MaxDrop = 0.02, Mode = DropMode.Relative }, spec.Constraints.Quality[1]);
        Assert.Equal(1_000_000, spec.Constraints.MaxSizeBytes);
        Assert.Equal(SearchScheduler.SuccessiveHalving, spec.Search.Scheduler);
        Assert.Equal((81, 3, 4, 50, 1200.5, 3600, 0.25), (spec.Search.MaxResource, spec.Search.MinResource, spec.Search.Eta, spec.Search.MaxTrials, spec.Search.MaxTotalResource, spec.Search.MaxWallTimeSeconds, spec.Search.Target));
        Assert.Equal(["fp16", "quantize-dynamic", "prune-magnitude"], spec.Passes);
        Assert.Equal([ProviderName.TensorRT, ProviderName.Cuda, ProviderName.Cpu], spec.Providers.Allowed);
        Assert.False(spec.Providers.AllowCpuFallback);
        Assert.Equal(42, spec.Seed);
    }

    [Fact]
    public void Serialize_ThenParse_RoundTripsToTheSameDocument()
    {
        var spec = SpecValidator.Default.Parse(SpecSamples.Full);

        var json = JsonSerializer.Serialize(spec, JsonDefaults.Options);
        var again = SpecValidator.Default.Parse(json);

        Assert.Equal(json, JsonSerializer.Serialize(again, JsonDefaults.Options));
        using var original = JsonDocument.Parse(SpecSamples.Full);
        using var written = JsonDocument.Parse(json);
        Assert.True(SameValues(original.RootElement, written.RootElement), json);
    }

    [Fact]
    public void Serialize_Enums_UseTheSpecSpelling()
    {
        var spec = SpecValidator.Default.Parse(SpecSamples.Full);

        var json = JsonSerializer.Serialize(spec, JsonDefaults.Options);

        Assert.Contains("\"tensorrt\"", json, StringComparison.Ordinal);
        Assert.Contains("\"successiveHalving\"", json, StringComparison.Ordinal);
        Assert.Contains("\"latencyP95\"", json, StringComparison.Ordinal);
        Assert.Contains("\"dropRows\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MinimalSpec_TakesDocumentedDefaults()
    {
        var spec = SpecValidator.Default.Parse(SpecSamples.Minimal);

        Assert.Equal(ObjectiveMetric.LatencyP50, spec.Objective.Metric);
        Assert.Equal(1, spec.Objective.BatchSize);
        Assert.Equal(SearchScheduler.Hyperband, spec.Search.Scheduler);
        Assert.Equal((27, 1, 3), (spec.Search.MaxResource, spec.Search.MinResource, spec.Search.Eta));
        Assert.Equal([ProviderName.Cpu], spec.Providers.Allowed);
        Assert.True(spec.Providers.AllowCpuFallback);
        Assert.Null(spec.Passes);
        Assert.Empty(spec.Constraints.Quality);
        Assert.Equal(0, spec.Seed);
    }

    // The written document has every property of the input (same values), possibly in a different order; the
    // sample sets every property to a non-default value, so nothing is added either.
    private static bool SameValues(JsonElement a, JsonElement b) => (a.ValueKind, b.ValueKind) switch
    {
        (JsonValueKind.Object, JsonValueKind.Object) =>
            a.EnumerateObject().Count() == b.EnumerateObject().Count()
            && a.EnumerateObject().All(p => b.TryGetProperty(p.Name, out var q) && SameValues(p.Value, q)),
        (JsonValueKind.Array, JsonValueKind.Array) =>
            a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(x => SameValues(x.First, x.Second)),
        (JsonValueKind.Number, JsonValueKind.Number) => a.GetDouble() == b.GetDouble(),
        _ => JsonElement.DeepEquals(a, b),
    };
}
