using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Optimization;
using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Telemetry;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Orchestration.Tests.Durable;

public sealed class OptimizationOrchestratorTests : IAsyncLifetime
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples", "penguins");
    private readonly string _root = Directory.CreateTempSubdirectory("fopt-e2e-").FullName;
    private readonly RecordingRunEventPublisher _events = new();
    private EmbeddedOptimizationHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await EmbeddedOptimizationHost.StartAsync(_root, o =>
        {
            o.MaxLatencyIterations = 20;
            o.MinLatencyIterations = 5;
            o.WorkDirectory = Path.Combine(_root, "work");
        },
        configureServices: services => services.AddSingleton<IRunEventPublisher>(_events));

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static OptimizationSpec PenguinsSpec() => new()
    {
        Model = new ModelReference { Path = Path.Combine(Samples, "model.onnx") },
        Dataset = new DatasetReference { Path = Path.Combine(Samples, "eval.csv"), LabelColumn = "species", Input = "features" },
        Objective = new ObjectiveSpec { Metric = ObjectiveMetric.SizeBytes },
        Constraints = new ConstraintsSpec { Quality = [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }] },
        Search = new SearchSpec { MaxResource = 9, Eta = 3 },
        Passes = ["prune-magnitude", "fp16", "quantize-dynamic", "quantize-static"],
        Seed = 3,
    };

    [Fact]
    public async Task Run_PenguinsHyperband_CompletesWithABestModelThatMeetsTheConstraint()
    {
        var spec = PenguinsSpec();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "FunctionsOpt",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var trialDurations = new ConcurrentQueue<double>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "FunctionsOpt" && instrument.Name == "functionsopt.trial.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>((_, value, _, _) => trialDurations.Enqueue(value));
        meters.Start();

        var runId = await _host.SubmitAsync(spec);
        var again = await _host.SubmitAsync(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var summary = await _host.WaitAsync(runId, timeout.Token);

        Assert.Equal(runId, again);
        Assert.Equal(SpecHash.RunIdOf(spec), runId);
        Assert.NotNull(summary);
        Assert.Equal(RunStatus.Completed, summary.Status);
        var state = (await _host.Store.ReadStateAsync(runId))!.State;
        Assert.Equal(RunStatus.Completed, state.Status);
        Assert.Equal(summary.BestTrialId, state.BestTrialId);

        // One run only: the duplicate submission started nothing (one baseline, one set of trials).
        var instances = new List<string>();
        await foreach (var instance in _host.Client.GetAllInstancesAsync())
        {
            instances.Add(instance.InstanceId);
        }

        Assert.Equal([runId], instances);

        // The best model loads in ORT and, scored independently on the whole eval.csv, meets the accuracy bar.
        var bestPath = Path.Combine(_root, "runs", runId, "best", "model.onnx");
        Assert.True(File.Exists(bestPath));
        var sessions = new InferenceSessionFactory();
        var raw = DatasetLoader.Load(Path.Combine(Samples, "eval.csv"), new DatasetLoadOptions { Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" } });
        var inputs = OptimizationData.InputsOf(new OnnxModelInspector().Load(Path.Combine(Samples, "model.onnx"), out _));
        var data = DatasetModelValidator.Conform(raw, inputs);
        double Accuracy(string model)
        {
            using var handle = sessions.Create(model, new SessionSettings());
            return ModelEvaluator.Evaluate(handle, data, new EvaluationRequest()).Result.Classification!.Accuracy;
        }

        var baseline = Accuracy(Path.Combine(Samples, "model.onnx"));
        var best = Accuracy(bestPath);
        Assert.True(best >= baseline - 0.01 - 1e-12, $"best {best} vs baseline {baseline}");
        Assert.False(summary.BestEffort);

        // trials.csv: one row per search trial per rung, as Hyperband plans them for R = 9, eta = 3.
        var plan = HyperbandPlan.Brackets(9, 3);
        var expectedSearchRows = (int)plan.Sum(b => b.Rungs.Sum(r => r.Configurations));
        var rows = File.ReadAllLines(Path.Combine(_root, "runs", runId, "trials.csv"));
        var header = rows[0].Split(',');
        var phase = Array.IndexOf(header, "phase");
        Assert.Equal(expectedSearchRows, rows.Skip(1).Count(r => r.Split(',')[phase] == "search"));
        Assert.Equal(expectedSearchRows, state.Trials.Count(t => !t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal)));
        Assert.InRange(rows.Skip(1).Count(r => r.Split(',')[phase] == "final"), 1, 5);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_root, "runs", runId, "report.json")));
        Assert.Equal(runId, report.RootElement.GetProperty("runId").GetString());
        Assert.Equal(summary.BestTrialId, report.RootElement.GetProperty("best").GetProperty("trialId").GetString());

        // Run events: started, throttled progress (at least the first rung, steps rising, never more than one per
        // rung fanned out), then completed with the chosen trial and its metrics.
        var events = _events.Events;
        Assert.All(events, e => Assert.Equal(runId, e.RunId));
        Assert.Equal(RunEventKind.RunStarted, events[0].Kind);
        var last = events[^1];
        Assert.Equal(RunEventKind.RunCompleted, last.Kind);
        Assert.Equal(RunStatus.Completed, last.Status);
        Assert.Equal(summary.BestTrialId, last.BestTrialId);
        Assert.Equal(
            state.Trials.Single(t => t.TrialId == summary.BestTrialId).Metrics.OrderBy(m => m.Key, StringComparer.Ordinal),
            last.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal));
        var progress = events.Skip(1).SkipLast(1).ToList();
        Assert.All(progress, e => Assert.Equal(RunEventKind.RunProgress, e.Kind));
        Assert.NotEmpty(progress);
        Assert.Equal(1, progress[0].Step);
        Assert.Equal(progress.Select(e => e.Step).Order(), progress.Select(e => e.Step));
        Assert.Equal(progress.Count, progress.Select(e => e.Step).Distinct().Count());
        var rungsFanned = plan.Sum(b => b.Rungs.Count);
        Assert.InRange(progress[^1].Step, 1, rungsFanned);

        // Telemetry: one run span over the whole run, a rung span per rung fanned out, a trial span and a duration
        // per trial (each trial ran once here), all tagged with the run id.
        var mine = spans.Where(a => (string?)a.GetTagItem("functionsopt.run_id") == runId).ToList();
        var run = Assert.Single(mine, a => a.OperationName == "run");
        Assert.Equal("Completed", run.GetTagItem("functionsopt.status"));
        var rungSpans = mine.Where(a => a.OperationName == "rung").ToList();
        Assert.InRange(rungSpans.Count, progress.Count, rungsFanned);
        Assert.All(rungSpans, r => Assert.InRange(r.StartTimeUtc, run.StartTimeUtc, run.StartTimeUtc + run.Duration));
        var trialSpans = mine.Where(a => a.OperationName == "trial").ToList();
        Assert.Equal(
            state.Trials.Select(t => t.TrialId).Order(StringComparer.Ordinal),
            trialSpans.Select(a => (string)a.GetTagItem("functionsopt.trial_id")!).Order(StringComparer.Ordinal));
        Assert.True(trialDurations.Count >= state.Trials.Count);

        // Every report and serving file is written, listed in the record, and well formed.
        var folder = Path.Combine(_root, "runs", runId);
        foreach (var name in new[] { "report.json", "report.html", "trials.csv", "summary.md", "model-card.md", "serving/ort-session.json", "serving/triton/penguins/config.pbtxt", "serving/triton/penguins/1/model.onnx" })
        {
            Assert.True(File.Exists(Path.Combine(folder, name)), name + " is missing");
            Assert.Contains(state.Artifacts.Values, v => v.EndsWith(runId + "/" + name, StringComparison.Ordinal));
        }

        Assert.Empty(ReportJson.Validate(await File.ReadAllTextAsync(Path.Combine(folder, "report.json"))));
        Assert.Equal(state.Trials.Count, CsvRows.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "trials.csv"))).Count - 1);
        var config = Pbtxt.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "serving", "triton", "penguins", "config.pbtxt")));
        Assert.Equal("penguins", config.Scalar("name"));
        var servedModel = Path.Combine(folder, "serving", "triton", config.Scalar("name"), "1", config.Scalar("default_model_filename"));
        Assert.Equal(await File.ReadAllBytesAsync(bestPath), await File.ReadAllBytesAsync(servedModel));
        Assert.Equal("features", ((PbMessage)Assert.Single(config.List("input"))).Scalar("name"));
        Assert.NotNull(state.Serving);
        Assert.Equal(state.Trials.Single(t => t.TrialId == state.BestTrialId).CandidateHash, state.Serving.CandidateHash);
        Assert.Equal(ExecutionProvider.Cpu, SessionSettingsFile.Load(Path.Combine(folder, "serving", "ort-session.json")).Provider);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(Samples, "model.onnx")))), state.SourceModel!.Sha256);
        Assert.NotNull(state.Environment);
        Assert.All(state.Trials.Where(t => t.Rung > 0 && !t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal)), t => Assert.NotNull(t.PromotedFrom));
    }

    [Fact]
    public async Task Run_LatencyObjective_VerdictRetimesFinalistsAndBestModelIsWhatItRecommends()
    {
        var spec = PenguinsSpec() with { Objective = new ObjectiveSpec { Metric = ObjectiveMetric.LatencyP50 }, Passes = ["quantize-dynamic", "fp16"] };
        var runId = await _host.SubmitAsync(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var summary = await _host.WaitAsync(runId, timeout.Token);

        Assert.Equal(RunStatus.Completed, summary!.Status);
        var state = (await _host.Store.ReadStateAsync(runId))!.State;
        var verdict = Assert.IsType<RunVerdict>(state.Verdict);
        var finals = state.Trials.Where(t => t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal) && t.Status == global::FunctionsOpt.Orchestration.Contracts.TrialStatus.Ok).ToList();
        Assert.Equal(finals.Select(f => f.TrialId).Order(StringComparer.Ordinal), verdict.Finalists.Select(f => f.TrialId).Order(StringComparer.Ordinal));
        Assert.Equal("speed", verdict.Goal);
        Assert.True(verdict.Rounds >= 15);
        Assert.All(verdict.Finalists, f => Assert.True(f.Low <= f.Ratio && f.Ratio <= f.High));
        Assert.Equal(verdict.RecommendedTrialId, summary.BestTrialId);

        // The rules, checked against the stored evidence: a recommended finalist is measurably faster (or lossless,
        // smaller and not measurably slower); keeping the original means no finalist meeting the bar was measurably faster.
        var bestPath = Path.Combine(_root, "runs", runId, "best", "model.onnx");
        if (verdict.RecommendedTrialId is { } chosen)
        {
            var f = verdict.Finalists.Single(x => x.TrialId == chosen);
            Assert.True(f.MeetsConstraints);
            Assert.True(f.High < 1 || (verdict.Kind == "smaller-within-noise" && f.Lossless && f.Low <= 1 && f.SizeBytes < verdict.OriginalSizeBytes));
            var hash = state.Trials.Single(t => t.TrialId == chosen).CandidateHash!;
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_root, "runs", runId, "candidates", hash + ".onnx")), await File.ReadAllBytesAsync(bestPath));
        }
        else
        {
            Assert.DoesNotContain(verdict.Finalists, f => f.MeetsConstraints && f.High < 1);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Samples, "model.onnx")), await File.ReadAllBytesAsync(bestPath));
            Assert.Equal(verdict.OriginalHash, state.Serving!.CandidateHash);
        }

        var folder = Path.Combine(_root, "runs", runId);
        var reportJson = await File.ReadAllTextAsync(Path.Combine(folder, "report.json"));
        Assert.Empty(ReportJson.Validate(reportJson));
        using var report = JsonDocument.Parse(reportJson);
        Assert.Equal(verdict.Headline, report.RootElement.GetProperty("verdict").GetProperty("headline").GetString());
        Assert.Contains("**Verdict:** " + verdict.Headline.Split(' ')[0], await File.ReadAllTextAsync(Path.Combine(folder, "summary.md")), StringComparison.Ordinal);
        Assert.Contains("id=\"verdict\"", await File.ReadAllTextAsync(Path.Combine(folder, "report.html")), StringComparison.Ordinal);
        Assert.Equal(verdict.Headline, _events.Events.Last(e => e.RunId == runId).Verdict);
    }
}
