using System.Text.Json;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Optimization;

public sealed class BaselineProfilerTests : IDisposable
{
    private readonly PenguinsRun _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task MeasureAsync_Penguins_AccuracyIsTheTrainingRecordAndFidelityToItselfIsOne()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(TestPaths.PenguinsMetadata));
        var recorded = metadata.RootElement.GetProperty("evaluation").GetProperty("heldout_accuracy").GetDouble();

        var baseline = await _run.Baseline.MeasureAsync(_run.Data.ModelPath, _run.Data.Calibration, _run.Settings, 20);

        Assert.Equal(recorded, baseline.Result.Metrics[MetricNames.Accuracy], 12);
        Assert.Equal(1.0, baseline.Result.Metrics[MetricNames.FidelityTop1]);
        Assert.Equal(new FileInfo(_run.Data.ModelPath).Length, baseline.Result.Metrics[MetricNames.SizeBytes]);
        Assert.Equal(_run.Data.Calibration.Count, baseline.Result.SampleCount);
        Assert.Equal(BaselineProfiler.BaselineTrialId, baseline.Result.TrialId);
    }

    [Fact]
    public void AttachReferenceOutputs_Penguins_AttachesOneRowOfClassScoresPerSample()
    {
        var attached = _run.Baseline.AttachReferenceOutputs(_run.Data.ModelPath, _run.Data.Calibration, _run.Settings);

        var probabilities = attached.ReferenceOutputs["probabilities"];
        Assert.Equal(_run.Data.Calibration.Count, probabilities.Rows);
        Assert.Equal(3, probabilities.RowSize);
        Assert.Same(_run.Data.Calibration.Inputs, attached.Inputs);
    }
}
