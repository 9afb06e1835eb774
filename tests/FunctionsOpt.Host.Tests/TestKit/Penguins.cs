using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Core.Optimization;

namespace FunctionsOpt.Host.Tests.TestKit;

/// <summary>Scores models on the whole penguins eval.csv, independently of the engine that chose them.</summary>
internal static class Penguins
{
    public static double Accuracy(string modelPath)
    {
        var sessions = new InferenceSessionFactory();
        var raw = DatasetLoader.Load(Path.Combine(Samples.Penguins, "eval.csv"), new DatasetLoadOptions { Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" } });
        var inputs = OptimizationData.InputsOf(new OnnxModelInspector().Load(Path.Combine(Samples.Penguins, "model.onnx"), out _));
        var data = DatasetModelValidator.Conform(raw, inputs);
        using var handle = sessions.Create(modelPath, new SessionSettings());
        return ModelEvaluator.Evaluate(handle, data, new EvaluationRequest()).Result.Classification!.Accuracy;
    }

    public static async Task<string> DownloadAsync(IArtifactStore store, ArtifactPath path, string folder)
    {
        var file = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".onnx");
        await using var source = await store.OpenReadAsync(path);
        await using var target = File.Create(file);
        await source.CopyToAsync(target);
        return file;
    }
}
