using FunctionsOpt.Core.Errors;
using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Tests.Durable;

/// <summary>
/// Runs whose inputs are wrong, on the embedded engine (real durable engine, real ONNX Runtime) with blob inputs in the
/// local artifact store: each ends Failed with a typed error in its state record, and a good run alongside them
/// completes. The API refuses a missing blob before starting a run (SpecIntake, tested with the API); these runs start
/// anyway, as one does when its blob is deleted after acceptance.
/// </summary>
public sealed class OptimizationOrchestratorBadInputTests : IAsyncLifetime
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples", "penguins");
    private readonly string _root = Directory.CreateTempSubdirectory("fopt-bad-input-").FullName;
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
    public async Task Runs_MissingModelBlobNotOnnxBlobAndMismatchedDataBesideAGoodRun_FailTypedAndTheGoodRunCompletes()
    {
        // The good run and the three bad ones, each in its own models/{folder}/.
        Upload("good", "model.onnx", File.ReadAllBytes(Path.Combine(Samples, "model.onnx")));
        Upload("good", "eval.csv", File.ReadAllBytes(Path.Combine(Samples, "eval.csv")));
        Upload("deleted", "model.onnx", File.ReadAllBytes(Path.Combine(Samples, "model.onnx")));
        Upload("deleted", "eval.csv", File.ReadAllBytes(Path.Combine(Samples, "eval.csv")));
        File.Delete(Path.Combine(_root, "models", "deleted", "model.onnx"));
        Upload("text", "model.onnx", "this is a README, not a model\n"u8.ToArray());
        Upload("text", "eval.csv", File.ReadAllBytes(Path.Combine(Samples, "eval.csv")));
        Upload("narrow", "model.onnx", File.ReadAllBytes(Path.Combine(Samples, "model.onnx")));
        Upload("narrow", "eval.csv", DropColumn(File.ReadAllLines(Path.Combine(Samples, "eval.csv")), "body_mass_g"));

        var good = await _host.SubmitAsync(Spec("good"));
        var deleted = await _host.SubmitAsync(Spec("deleted"));
        var notOnnx = await _host.SubmitAsync(Spec("text"));
        var narrow = await _host.SubmitAsync(Spec("narrow"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var summaries = await Task.WhenAll(new[] { good, deleted, notOnnx, narrow }.Select(id => _host.WaitAsync(id, timeout.Token)));

        Assert.Equal(RunStatus.Completed, summaries[0]!.Status);
        Assert.Equal(RunStatus.Completed, (await StateAsync(good)).Status);

        var missing = await FailedWithAsync(deleted, ArtifactNotFoundException.Code);
        Assert.Contains("models/deleted/model.onnx", missing.Message, StringComparison.Ordinal);
        Assert.Contains("upload it", missing.Message, StringComparison.Ordinal);

        var text = await FailedWithAsync(notOnnx, InvalidModelException.Code);
        Assert.Contains("not a valid ONNX model", text.Message, StringComparison.Ordinal);
        Assert.Contains("upload the .onnx file", text.Message, StringComparison.Ordinal);

        var mismatch = await FailedWithAsync(narrow, InvalidEvaluationDataException.Code);
        Assert.Contains("input 'features' axis 1: expected 4, actual 3", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("re-export the data", mismatch.Message, StringComparison.Ordinal);
        Assert.All(summaries[1..], s => Assert.Equal(RunStatus.Failed, s!.Status));
    }

    private async Task<RunError> FailedWithAsync(string runId, string code)
    {
        var state = await StateAsync(runId);
        Assert.Equal(RunStatus.Failed, state.Status);
        var error = Assert.Single(state.Errors);
        Assert.True(code == error.Code, $"expected {code}, got {error.Code}: {error.Message}");
        Assert.Equal(RunStatus.Validating, error.Phase);
        Assert.Empty(state.Trials);
        return error;
    }

    private async Task<RunState> StateAsync(string runId) => (await _host.Store.ReadStateAsync(runId))!.State;

    private void Upload(string folder, string name, byte[] content)
    {
        var path = Path.Combine(_root, ArtifactLayout.ModelsContainer, folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private static byte[] DropColumn(string[] lines, string column)
    {
        var index = Array.IndexOf(lines[0].Split(','), column);
        return System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != index)))) + "\n");
    }

    private static OptimizationSpec Spec(string folder) => new()
    {
        Model = new ModelReference { Blob = folder + "/model.onnx" },
        Dataset = new DatasetReference { Blob = folder + "/eval.csv", LabelColumn = "species", Input = "features" },
        Objective = new ObjectiveSpec { Metric = ObjectiveMetric.SizeBytes },
        Constraints = new ConstraintsSpec { Quality = [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }] },
        Search = new SearchSpec { Scheduler = SearchScheduler.Random, MaxTrials = 2, MaxResource = 1 },
        Passes = ["prune-magnitude", "fp16"],
        Seed = 5,
    };
}
