using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Optimization;

/// <summary>The penguins sample prepared as a run prepares it, with a fresh scratch folder per fixture.</summary>
internal sealed class PenguinsRun : IDisposable
{
    public PenguinsRun()
    {
        Work = Directory.CreateTempSubdirectory("fopt-trial-").FullName;
        var model = new OnnxModelInspector().Load(TestPaths.PenguinsModel, out _);
        var raw = LoadEval();
        Settings = new TrialSettings { Seed = 7, WorkDirectory = Work, WarmupRuns = 1, Evaluation = new EvaluationRequest { BatchSize = 16 } };
        Baseline = new BaselineProfiler(Sessions, Gate);
        var data = new OptimizationData(TestPaths.PenguinsModel, model, File.ReadAllBytes(TestPaths.PenguinsModel), raw, raw, "eval");
        var conformed = DatasetModelValidator.Conform(raw, data.ModelInputs);
        Evaluation = Baseline.AttachReferenceOutputs(TestPaths.PenguinsModel, conformed, Settings);
        Data = new OptimizationData(TestPaths.PenguinsModel, model, data.ModelBytes, Evaluation, conformed, "eval");
        Cache = new FolderCandidateCache(Path.Combine(Work, "cache"));
        Executor = new TrialExecutor(Sessions, Cache, Gate);
    }

    public string Work { get; }

    public InferenceSessionFactory Sessions { get; } = new();

    public MeasurementGate Gate { get; } = new();

    public TrialSettings Settings { get; }

    public BaselineProfiler Baseline { get; }

    public EvaluationDataset Evaluation { get; }

    public OptimizationData Data { get; }

    public FolderCandidateCache Cache { get; }

    public TrialExecutor Executor { get; }

    public static EvaluationDataset LoadEval() => DatasetLoader.Load(TestPaths.PenguinsEval, new DatasetLoadOptions
    {
        Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" },
    });

    public static IReadOnlyList<PassStep> Pipeline(string pass, params (string Name, ParameterValue Value)[] parameters)
    {
        var step = new DefaultPassCatalogue().Find(pass) ?? throw new ArgumentException(pass, nameof(pass));
        return [new PassStep(step, new PassParameters(parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal)))];
    }

    public void Dispose()
    {
        Gate.Dispose();
        Directory.Delete(Work, recursive: true);
    }
}
