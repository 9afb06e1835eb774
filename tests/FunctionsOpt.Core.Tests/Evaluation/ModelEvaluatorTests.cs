using System.Text.Json;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Evaluation.Metrics;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Evaluation;

public sealed class ModelEvaluatorTests
{
    private static readonly float[] W = [1, 2, 3, 4, 5, 6];
    private static readonly float[] B = [0.5f, -1, 0];

    private static EvaluationDataset LoadPenguins() => DatasetLoader.Load(TestPaths.PenguinsEval, new DatasetLoadOptions
    {
        Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" },
    });

    [Fact]
    public void Evaluate_PenguinsSample_AccuracyEqualsFigureRecordedAtTraining()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(TestPaths.PenguinsMetadata));
        var recorded = metadata.RootElement.GetProperty("evaluation");
        var dataset = LoadPenguins();
        using var handle = new InferenceSessionFactory().Create(TestPaths.PenguinsModel, new SessionSettings());

        var result = ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest { BatchSize = 16 }).Result;

        var report = Assert.IsType<ClassificationReport>(result.Classification);
        Assert.Equal(recorded.GetProperty("heldout_total").GetInt32(), result.SampleCount);
        Assert.Equal(recorded.GetProperty("heldout_accuracy").GetDouble(), report.Accuracy, 12);
        var confusion = recorded.GetProperty("heldout_confusion").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        Assert.Equal(confusion, report.ConfusionMatrix);
        Assert.Equal(["Adelie", "Chinstrap", "Gentoo"], report.PerClass.Select(c => c.Name));
        Assert.Equal(ScoreKind.Probabilities, report.ScoreKind.Kind);
        Assert.Equal(ScoreKindSource.Detected, report.ScoreKind.Source);
        Assert.Equal("probabilities", result.ScoreOutput);
        Assert.Equal(new ProviderRecord("cpu", "cpu", null), result.Provider);
    }

    [Fact]
    public void Evaluate_AgainstOwnOutputs_FidelityIsExact()
    {
        var dataset = LoadPenguins();
        using var handle = new InferenceSessionFactory().Create(TestPaths.PenguinsModel, new SessionSettings());
        var first = ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest());

        var second = ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest(), first.Outputs.Outputs).Result;

        var fidelity = Assert.IsType<FidelityReport>(second.Fidelity);
        Assert.Equal(1.0, fidelity.Top1Agreement);
        Assert.Equal(0.0, fidelity.MaxAbsoluteDifference);
        Assert.Equal(1.0, fidelity.MeanCosineSimilarity, 12);
    }

    [Fact]
    public void Evaluate_Regression_MetricsMatchHandComputedResiduals()
    {
        // One output column: y = 2*x0 + 3*x1 + 1. Targets are off by +1, -1, +2, -2 from the exact values.
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 1, [2, 3], [1]), temp.Path);
        float[] x = [0, 0, 1, 0, 0, 1, 1, 1];
        double[] exact = [1, 3, 4, 6];
        double[] targets = [2, 2, 6, 4];
        var dataset = new EvaluationDataset(
            new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats(x, 4, 2) },
            DataArray.FromDoubles(targets, 4));
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());

        var result = ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest { Task = EvaluationTask.Regression }).Result;

        var regression = Assert.IsType<RegressionReport>(result.Regression);
        Assert.Equal(exact.Zip(targets, (p, t) => Math.Abs(p - t)).Average(), regression.MeanAbsoluteError, 12); // 1.5
        Assert.Equal(Math.Sqrt((1 + 1 + 4 + 4) / 4.0), regression.RootMeanSquaredError, 12);
        Assert.Equal(2.0, regression.MaxError, 12);
    }

    [Fact]
    public void Evaluate_TwoFloatOutputsWithoutScoreOutput_ThrowsNamingBoth()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B, softmax: true), temp.Path);
        var dataset = new EvaluationDataset(
            new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats([1, 1], 1, 2) },
            DataArray.FromInt64s([0], 1));
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());

        var error = Assert.Throws<InvalidEvaluationRequestException>(() => ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest()));

        Assert.Contains("2 float outputs (y, probs)", error.Message, StringComparison.Ordinal);
        Assert.Contains("--score-output", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NamedLogitOutput_DetectsLogits()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B, softmax: true), temp.Path);
        // x = [1,1] gives y = [5.5, 6, 9]: the largest is class 2.
        var dataset = new EvaluationDataset(
            new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats([1, 1, 0, 0], 2, 2) },
            DataArray.FromInt64s([2, 0], 2));
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());

        var result = ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest { ScoreOutput = "y" }).Result;

        var report = Assert.IsType<ClassificationReport>(result.Classification);
        Assert.Equal(ScoreKind.Logits, report.ScoreKind.Kind);
        // x = [0,0] gives y = [0.5, -1, 0]: class 0, matching its label.
        Assert.Equal(1.0, report.Accuracy);
    }

    [Fact]
    public void Evaluate_ClassificationWithoutLabels_ThrowsAskingForLabels()
    {
        using var handle = new InferenceSessionFactory().Create(TestPaths.PenguinsModel, new SessionSettings());
        var dataset = new EvaluationDataset(new Dictionary<string, DataArray> { ["features"] = DataArray.FromFloats(new float[8], 2, 4) }, source: "unlabelled.npy");

        var error = Assert.Throws<InvalidEvaluationRequestException>(() => ModelEvaluator.Evaluate(handle, dataset, new EvaluationRequest()));

        Assert.Contains("need labels", error.Message, StringComparison.Ordinal);
        Assert.Contains("unlabelled.npy", error.Message, StringComparison.Ordinal);
    }
}
