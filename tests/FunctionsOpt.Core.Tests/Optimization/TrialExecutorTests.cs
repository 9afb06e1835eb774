using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Tests.Optimization;

public sealed class TrialExecutorTests : IDisposable
{
    private readonly PenguinsRun _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task RunAsync_DynamicInt8FullBudget_MetricsEqualIndependentEvaluationOfTheCandidate()
    {
        var request = new TrialRequest(3, PenguinsRun.Pipeline("quantize-dynamic"), new TrialBudget(1.0, 20, 16));

        var outcome = await _run.Executor.RunAsync(_run.Data, request, _run.Settings);

        Assert.Equal(TrialStatus.Succeeded, outcome.Result.Status);
        Assert.Equal(3, outcome.Result.TrialId);
        Assert.NotNull(outcome.CandidatePath);
        // Independent check: score the built file on every row with the evaluator, and count top-1 agreement with the
        // baseline's outputs by hand.
        var all = PenguinsRun.LoadEval();
        using var handle = _run.Sessions.Create(outcome.CandidatePath, new SessionSettings());
        var independent = ModelEvaluator.Evaluate(handle, DatasetModelValidator.Conform(all, _run.Data.ModelInputs), new EvaluationRequest());
        Assert.Equal(all.Count, outcome.Result.SampleCount);
        Assert.Equal(independent.Result.Classification!.Accuracy, outcome.Result.Metrics[MetricNames.Accuracy], 12);
        var candidate = independent.Outputs.Outputs["probabilities"].ToFloatArray();
        var baseline = _run.Evaluation.ReferenceOutputs["probabilities"].ToFloatArray();
        var agree = Enumerable.Range(0, all.Count).Count(r => ArgMax(candidate, r, 3) == ArgMax(baseline, r, 3));
        Assert.Equal((double)agree / all.Count, outcome.Result.Metrics[MetricNames.FidelityTop1], 12);
        Assert.Equal(new FileInfo(outcome.CandidatePath).Length, outcome.Result.Metrics[MetricNames.SizeBytes]);
        Assert.True(outcome.Result.Metrics[MetricNames.LatencyP50Ms(1)] > 0);
        Assert.Equal(new ProviderRecord("cpu", "cpu", null), outcome.Provider);
        Assert.Equal(outcome.CandidateHash, TrialExecutor.CandidateHash(_run.Data, request, _run.Settings.Seed));
    }

    [Fact]
    public async Task RunAsync_SameRequestTwice_SecondReusesTheCachedCandidateByteForByte()
    {
        var request = new TrialRequest(0, PenguinsRun.Pipeline("fp16"), new TrialBudget(1.0 / 3, 10, 16));

        var first = await _run.Executor.RunAsync(_run.Data, request, _run.Settings);
        var second = await _run.Executor.RunAsync(_run.Data, request with { TrialId = 1 }, _run.Settings);

        Assert.False(first.Reused);
        Assert.True(second.Reused);
        Assert.Equal(0, second.BuildSeconds);
        Assert.Equal(first.CandidateHash, second.CandidateHash);
        Assert.Equal(File.ReadAllBytes(first.CandidatePath!), File.ReadAllBytes(second.CandidatePath!));
        Assert.Equal(first.Result.Metrics[MetricNames.Accuracy], second.Result.Metrics[MetricNames.Accuracy]);
    }

    [Theory]
    [InlineData(1.0 / 9)]
    [InlineData(1.0 / 3)]
    [InlineData(0.5)]
    public async Task RunAsync_FractionalBudget_ScoresCeilingOfFractionTimesRows(double fraction)
    {
        var request = new TrialRequest(0, [], new TrialBudget(fraction, 5, 16));

        var outcome = await _run.Executor.RunAsync(_run.Data, request, _run.Settings);

        Assert.Equal((int)Math.Ceiling(fraction * _run.Evaluation.Count), outcome.Result.SampleCount);
        // The unmodified model agrees with its own outputs on every row of any subsample.
        Assert.Equal(1.0, outcome.Result.Metrics[MetricNames.FidelityTop1]);
        Assert.Equal(_run.Data.ModelPath, outcome.CandidatePath);
    }

    [Fact]
    public async Task RunAsync_PassNotApplicable_IsAnInvalidResultWithItsCode()
    {
        // The penguins MLP has no BatchNormalization node to fold.
        var request = new TrialRequest(5, PenguinsRun.Pipeline("fold-batchnorm"), new TrialBudget(1, 5, 16));

        var outcome = await _run.Executor.RunAsync(_run.Data, request, _run.Settings);

        Assert.Equal(TrialStatus.Invalid, outcome.Result.Status);
        Assert.Equal("pass-not-applicable", outcome.ErrorCode);
        Assert.Empty(outcome.Result.Metrics);
        Assert.Null(outcome.CandidatePath);
    }

    [Fact]
    public async Task RunAsync_UnknownParameter_IsAnInvalidResultWithTheConfigurationCode()
    {
        var request = new TrialRequest(6, PenguinsRun.Pipeline("quantize-dynamic", ("no-such-parameter", ParameterValue.Of(true))), new TrialBudget(1, 5, 16));

        var outcome = await _run.Executor.RunAsync(_run.Data, request, _run.Settings);

        Assert.Equal(TrialStatus.Invalid, outcome.Result.Status);
        Assert.Equal("invalid-pass-config", outcome.ErrorCode);
    }

    [Fact]
    public void CandidateHash_CalibrationBudget_ChangesOnlyPipelinesThatCalibrate()
    {
        var small = new TrialBudget(1, 10, 16);
        var large = new TrialBudget(1, 10, 48);
        var dynamic = PenguinsRun.Pipeline("quantize-dynamic");
        var stat = PenguinsRun.Pipeline("quantize-static");

        Assert.False(PassPipeline.NeedsOf(dynamic).CalibrationRows);
        Assert.True(PassPipeline.NeedsOf(stat).CalibrationRows);
        Assert.Equal(
            TrialExecutor.CandidateHash(_run.Data, new TrialRequest(0, dynamic, small), 7),
            TrialExecutor.CandidateHash(_run.Data, new TrialRequest(0, dynamic, large), 7));
        Assert.NotEqual(
            TrialExecutor.CandidateHash(_run.Data, new TrialRequest(0, stat, small), 7),
            TrialExecutor.CandidateHash(_run.Data, new TrialRequest(0, stat, large), 7));
    }

    [Fact]
    public async Task RunAsync_StaticInt8_CalibratesOnTheBudgetsRowsAndSucceeds()
    {
        var request = new TrialRequest(2, PenguinsRun.Pipeline("quantize-static"), new TrialBudget(1, 10, 32));

        var outcome = await _run.Executor.RunAsync(_run.Data, request, _run.Settings);

        Assert.Equal(TrialStatus.Succeeded, outcome.Result.Status);
        // Canonicalisation runs before the lossy pass and is recorded first.
        Assert.Equal(["canonicalise", "quantize-static"], outcome.Records.Select(r => r.Pass));
        var note = outcome.Records[1].Notes.First(n => n.StartsWith("calibration:", StringComparison.Ordinal));
        Assert.Contains("of 32 row(s)", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rounding", "gptq")]
    [InlineData("bias-correction", "true")]
    public async Task RunAsync_DynamicInt8NeedingCalibration_GetsRowsAndSucceeds(string parameter, string value)
    {
        // The old name-based guess gave quantize-dynamic no rows, so these configurations were invalid trials.
        var parsed = value == "true" ? ParameterValue.Of(true) : ParameterValue.Of(value);
        var pipeline = PenguinsRun.Pipeline("quantize-dynamic", (parameter, parsed));
        var request = new TrialRequest(3, pipeline, new TrialBudget(1, 5, 32));

        var outcome = await _run.Executor.RunAsync(_run.Data, request, _run.Settings);

        Assert.True(PassPipeline.NeedsOf(pipeline).CalibrationRows);
        Assert.Equal(TrialStatus.Succeeded, outcome.Result.Status);
        Assert.NotEqual(
            TrialExecutor.CandidateHash(_run.Data, request, _run.Settings.Seed),
            TrialExecutor.CandidateHash(_run.Data, request with { Budget = new TrialBudget(1, 5, 16) }, _run.Settings.Seed));
    }

    private static int ArgMax(float[] values, int row, int columns)
    {
        var best = 0;
        for (var c = 1; c < columns; c++)
        {
            if (values[(row * columns) + c] > values[(row * columns) + best])
            {
                best = c;
            }
        }

        return best;
    }
}
