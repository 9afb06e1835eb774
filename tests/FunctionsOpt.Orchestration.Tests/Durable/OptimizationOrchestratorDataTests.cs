using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Tests.Shared;
using Google.Protobuf;

namespace FunctionsOpt.Orchestration.Tests.Durable;

/// <summary>
/// Runs from blobs as the service gets them (embedded engine, local artifact store, real ONNX Runtime): a manifest
/// blob whose arrays sit beside it in <c>models/</c>, a model whose weights are an external-data blob, a two-input
/// token model fed by an unlabelled .npz under fidelity bars, and a model whose fixed dimension is 2^40.
/// </summary>
public sealed class OptimizationOrchestratorDataTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("fopt-data-").FullName;
    private EmbeddedOptimizationHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await EmbeddedOptimizationHost.StartAsync(_root, o =>
        {
            o.MaxLatencyIterations = 10;
            o.MinLatencyIterations = 3;
            o.WorkDirectory = Path.Combine(_root, "work");
        });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Runs_ManifestArraysExternalDataTokensAndHugeDim_FetchedAndTypedFailures()
    {
        // Image model with its weights in an external-data blob, fed through a manifest naming an .npz beside it.
        var (weights, bias) = ImageWeights();
        var image = TestModels.ImageLinear(weights, bias);
        var external = TestModels.Externalize(image, "W", "weights.bin");
        Upload("img/model.onnx", image.ToByteArray());
        Upload("img/weights.bin", external);
        var pixels = Enumerable.Range(0, 6 * 48).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var labels = Predictions(pixels, weights, bias);
        Upload("img/arrays/eval.npz", TestArrays.Npz(("pixels", pixels, [6, 3, 4, 4]), ("y", labels, [6])));
        Upload("img/data.json", """{ "inputs": { "image": { "file": "arrays/eval.npz", "array": "pixels" } }, "labels": { "file": "arrays/eval.npz", "array": "y" } }"""u8.ToArray());

        // Token tagger (int64 ids + mask, [N, seq] -> [N, seq, 3]) with an unlabelled .npz and fidelity bars only.
        var embedding = Enumerable.Range(0, 5 * 3).Select(i => (float)Math.Cos(i)).ToArray();
        Upload("tok/model.onnx", TestModels.Tagger(5, 3, embedding).ToByteArray());
        Upload("tok/eval.npz", TestArrays.Npz(
            ("input_ids", new long[] { 0, 1, 2, 3, 4, 1, 2, 3 }, [2, 4]),
            ("attention_mask", new long[] { 1, 1, 1, 0, 1, 1, 1, 1 }, [2, 4])));

        // A fixed dimension of 2^40: no data can match it.
        Upload("wide/model.onnx", TestModels.WideIdentity(1L << 40).ToByteArray());
        Upload("wide/eval.npz", TestArrays.Npz(("x", Enumerable.Range(1, 2).Select(i => (float)i).ToArray(), [2, 1])));

        // A lone .npy with its labels in the sibling blob eval.labels.npy.
        Upload("npy/model.onnx", TestModels.ImageLinear(weights, bias).ToByteArray());
        Upload("npy/eval.npy", TestArrays.Npy(pixels, 6, 3, 4, 4));
        Upload("npy/eval.labels.npy", TestArrays.Npy(labels, 6));

        var img = await _host.SubmitAsync(Spec("img/model.onnx", new DatasetReference { Blob = "img/data.json" }, [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }]));
        var tok = await _host.SubmitAsync(Spec("tok/model.onnx", new DatasetReference { Blob = "tok/eval.npz", Task = EvaluationTask.Fidelity }, [new QualityConstraint { Metric = QualityMetric.Cosine, MaxDrop = 0.01 }, new QualityConstraint { Metric = QualityMetric.Fidelity, MaxDrop = 0 }], maxRelativeRms: 0.5));
        var wide = await _host.SubmitAsync(Spec("wide/model.onnx", new DatasetReference { Blob = "wide/eval.npz", Task = EvaluationTask.Fidelity }, [new QualityConstraint { Metric = QualityMetric.Cosine, MaxDrop = 0.01 }]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var npy = await _host.SubmitAsync(Spec("npy/model.onnx", new DatasetReference { Blob = "npy/eval.npy" }, [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }]));
        var summaries = await Task.WhenAll(new[] { img, tok, wide, npy }.Select(id => _host.WaitAsync(id, timeout.Token)));

        var imgState = await StateAsync(img);
        Assert.True(summaries[0]!.Status == RunStatus.Completed, string.Join("; ", imgState.Errors.Select(e => e.Code + " in " + e.Phase + ": " + e.Message)));
        // The labels are the model's own predictions, computed here by hand, so the baseline is exactly right.
        Assert.Equal(1.0, imgState.Baseline!.Metrics[MetricNames.Accuracy], 12);
        // The best model opens in ONNX Runtime from its own folder: any external-data file it names was written beside it.
        using (var best = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(_root, ArtifactLayout.RunsContainer, img, "best", "model.onnx")))
        {
            Assert.Equal(["image"], best.InputMetadata.Keys);
        }

        var npyState = await StateAsync(npy);
        Assert.True(summaries[3]!.Status == RunStatus.Completed, string.Join("; ", npyState.Errors.Select(e => e.Code + " in " + e.Phase + ": " + e.Message)));
        Assert.Equal(1.0, npyState.Baseline!.Metrics[MetricNames.Accuracy], 12);

        var tokState = await StateAsync(tok);
        Assert.True(summaries[1]!.Status == RunStatus.Completed, string.Join("; ", tokState.Errors.Select(e => e.Code + " in " + e.Phase + ": " + e.Message)));
        Assert.Equal(1.0, tokState.Baseline!.Metrics[MetricNames.FidelityCosine], 12);
        Assert.Equal(1.0, tokState.Baseline.Metrics[MetricNames.FidelityTop1], 12);
        Assert.Equal(0.0, tokState.Baseline.Metrics[MetricNames.FidelityRelativeRms], 12);
        Assert.False(tokState.Baseline.Metrics.ContainsKey(MetricNames.Accuracy));
        var tokReport = File.ReadAllText(Path.Combine(_root, ArtifactLayout.RunsContainer, tok, "report.json"));
        Assert.Contains("fidelity (cosine)", tokReport, StringComparison.Ordinal);
        Assert.Contains("fidelity (relative RMS)", tokReport, StringComparison.Ordinal);

        var wideState = await StateAsync(wide);
        Assert.Equal(RunStatus.Failed, wideState.Status);
        var error = Assert.Single(wideState.Errors);
        Assert.Equal(InvalidEvaluationDataException.Code, error.Code);
        Assert.Contains("expected 1099511627776, actual 1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_root, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ManifestNamingMissingArrayBlob_FailsTypedWithoutServerPaths()
    {
        var (weights, bias) = ImageWeights();
        Upload("gone/model.onnx", TestModels.ImageLinear(weights, bias).ToByteArray());
        Upload("gone/data.json", """{ "inputs": { "image": { "file": "missing.npy" } } }"""u8.ToArray());
        Upload("dots/model.onnx", TestModels.ImageLinear(weights, bias).ToByteArray());
        Upload("dots/data.json", """{ "inputs": { "image": { "file": "../img/x.npy" } } }"""u8.ToArray());

        Upload("bare/model.onnx", TestModels.ImageLinear(weights, bias).ToByteArray());
        Upload("bare/eval.npz", TestArrays.Npz(("image", new float[48], [1, 3, 4, 4])));
        var gone = await _host.SubmitAsync(Spec("gone/model.onnx", new DatasetReference { Blob = "gone/data.json", Task = EvaluationTask.Fidelity }, [new QualityConstraint { Metric = QualityMetric.Cosine, MaxDrop = 0.01 }]));
        var dots = await _host.SubmitAsync(Spec("dots/model.onnx", new DatasetReference { Blob = "dots/data.json", Task = EvaluationTask.Fidelity }, [new QualityConstraint { Metric = QualityMetric.Cosine, MaxDrop = 0.01 }]));
        var bare = await _host.SubmitAsync(Spec("bare/model.onnx", new DatasetReference { Blob = "bare/eval.npz" }, [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await Task.WhenAll(new[] { gone, dots, bare }.Select(id => _host.WaitAsync(id, timeout.Token)));

        var missing = Assert.Single((await StateAsync(gone)).Errors);
        Assert.Equal(ArtifactNotFoundException.Code, missing.Code);
        Assert.Contains("models/gone/missing.npy", missing.Message, StringComparison.Ordinal);
        var escape = Assert.Single((await StateAsync(dots)).Errors);
        Assert.Equal(InvalidEvaluationDataException.Code, escape.Code);
        Assert.Contains("'../img/x.npy'", escape.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_root, escape.Message, StringComparison.Ordinal);
        var unlabelled = Assert.Single((await StateAsync(bare)).Errors);
        Assert.Equal(InvalidEvaluationDataException.Code, unlabelled.Code);
        Assert.Contains("'eval.npz' has no labels, which a classification task needs", unlabelled.Message, StringComparison.Ordinal);
    }

    private static (float[] Weights, float[] Bias) ImageWeights() =>
        (Enumerable.Range(0, 48 * 3).Select(i => (float)Math.Sin(i * 1.7)).ToArray(), [0.1f, -0.2f, 0.05f]);

    /// <summary>Arg-max of flatten(image) · W + b per row, computed without ONNX Runtime.</summary>
    private static long[] Predictions(float[] pixels, float[] weights, float[] bias)
    {
        var rows = pixels.Length / 48;
        var result = new long[rows];
        for (var r = 0; r < rows; r++)
        {
            var best = double.NegativeInfinity;
            for (var c = 0; c < 3; c++)
            {
                double sum = bias[c];
                for (var k = 0; k < 48; k++)
                {
                    sum += (double)pixels[(r * 48) + k] * weights[(k * 3) + c];
                }

                if (sum > best)
                {
                    best = sum;
                    result[r] = c;
                }
            }
        }

        return result;
    }

    private static OptimizationSpec Spec(string model, DatasetReference dataset, IReadOnlyList<QualityConstraint> quality, double? maxRelativeRms = null) => new()
    {
        Model = new ModelReference { Blob = model },
        Dataset = dataset,
        Objective = new ObjectiveSpec { Metric = ObjectiveMetric.SizeBytes },
        Constraints = new ConstraintsSpec { Quality = quality, MaxRelativeRms = maxRelativeRms },
        Search = new SearchSpec { Scheduler = SearchScheduler.Random, MaxTrials = 1, MaxResource = 1 },
        Passes = ["fp16"],
        Seed = 3,
    };

    private async Task<RunState> StateAsync(string runId) => (await _host.Store.ReadStateAsync(runId))!.State;

    private void Upload(string name, byte[] content)
    {
        var path = Path.Combine(_root, ArtifactLayout.ModelsContainer, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }
}
