using System.Diagnostics;
using System.IO.Compression;
using FunctionsOpt.Benchmarks.Scenes;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Evaluation.Metrics;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search.Space;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace FunctionsOpt.Benchmarks;

/// <summary>A real model with its data and the graph preparation its static quantization needs.</summary>
internal sealed record ModelCase(
    string Title, ModelProto Model, EvaluationDataset Calibration, EvaluationDataset Evaluation, bool Labelled,
    IReadOnlyList<PassStep> Preparation, string DataNote);

/// <summary>A configured compression recipe: the passes applied, in order, to the fp32 model.</summary>
internal sealed record CandidateSpec(string Name, string Family, IReadOnlyList<PassStep> Steps)
{
    public string Recipe => Steps.Count == 0
        ? "(none)"
        : string.Join(" → ", Steps.Select(s => s.Parameters.Values.Count == 0 ? s.Pass.Name : $"{s.Pass.Name}({s.Parameters.Canonical})"));
}

/// <summary>What one candidate became and how it measured.</summary>
internal sealed class CandidateResult
{
    public required CandidateSpec Spec { get; init; }

    public byte[]? Bytes { get; init; }

    public long GzipBytes { get; init; }

    public string? Refusal { get; init; }

    public IReadOnlyList<PassRecord> Records { get; init; } = [];

    public double BuildSeconds { get; init; }

    /// <summary>Accuracy and macro F1 (labelled models).</summary>
    public (double Accuracy, double MacroF1)? Classification { get; set; }

    /// <summary>Mean and minimum cosine to the fp32 outputs (unlabelled models).</summary>
    public (double Mean, double Min)? Fidelity { get; set; }

    /// <summary>Per-call latencies in seconds, by batch size.</summary>
    public Dictionary<int, List<double>> Latencies { get; } = [];

    public bool Built => Bytes is not null;

    public double P50(int batch) => Latencies.TryGetValue(batch, out var l) && l.Count > 0 ? Measurement.Median(l) : double.NaN;

    public double Percentile(int batch, double p) =>
        Latencies.TryGetValue(batch, out var l) && l.Count > 0 ? Percentiles.Compute(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(l), p) : double.NaN;
}

/// <summary>All candidates of one model, with the batch sizes they were timed at.</summary>
internal sealed record ModelResult(ModelCase Case, IReadOnlyList<CandidateResult> Candidates, IReadOnlyList<int> Batches, string BatchNote, IReadOnlyDictionary<int, int> CallsPerRound)
{
    public CandidateResult Baseline => Candidates[0];
}

/// <summary>
/// "passes": every pass family on each real model, side by side in one run. Candidates are built through
/// <see cref="PassPipeline"/>, scored (accuracy, or cosine fidelity to fp32), then timed one at a time in interleaved
/// rounds on sessions with the same settings; medians and ratios to fp32 are written to benchmarks/passes.md.
/// </summary>
internal static class PassesBenchmark
{
    private const int SpinDownMilliseconds = 20;
    private const int MinCallsPerRound = 10;

    public static void Run(PassesOptions options, IReadOnlyList<string> commandLine, TextWriter log)
    {
        var machine = MachineInfo.Capture();
        log.WriteLine($"passes on {machine.Cores} cores, ORT {machine.OrtVersion}, {machine.Configuration} build; load average {machine.LoadAverage}");
        var settings = new SessionSettings { Provider = ExecutionProvider.Cpu, IntraOpThreads = options.Threads, OptimizationLevel = GraphOptimization.All };
        var catalogue = new DefaultPassCatalogue();
        var stopwatch = Stopwatch.StartNew();
        var results = new List<ModelResult>();
        foreach (var modelCase in Cases(options, catalogue))
        {
            results.Add(RunModel(modelCase, catalogue, settings, options, log));
        }

        var endLoad = MachineInfo.Capture().LoadAverage;
        var markdown = PassesReport.Render(results, machine, endLoad, settings, options, commandLine, stopwatch.Elapsed);
        Directory.CreateDirectory(Path.GetDirectoryName(options.OutputPath)!);
        // The compensation scenario keeps its own section in the same file; a passes run must not drop it.
        var existing = File.Exists(options.OutputPath) ? File.ReadAllText(options.OutputPath) : string.Empty;
        var kept = MarkdownSection.Extract(existing, CompensationBenchmark.SectionId);
        File.WriteAllText(options.OutputPath, kept is null ? markdown : MarkdownSection.Replace(markdown, CompensationBenchmark.SectionId, kept));
        log.WriteLine();
        foreach (var result in results)
        {
            log.WriteLine(PassesReport.RenderTable(result));
        }

        log.WriteLine(PassesReport.RenderGoals(results));
        log.WriteLine($"Wrote {options.OutputPath} in {stopwatch.Elapsed.TotalMinutes:F1} min");
    }

    internal static IEnumerable<ModelCase> Cases(PassesOptions options, DefaultPassCatalogue catalogue)
    {
        var penguinsCsv = new DatasetLoadOptions { Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" } };
        yield return new ModelCase(
            "penguins MLP (samples/penguins)",
            Load(Path.Combine(options.Samples, "penguins", "model.onnx")),
            DatasetLoader.Load(Path.Combine(options.Samples, "penguins", "train.csv"), penguinsCsv),
            DatasetLoader.Load(Path.Combine(options.Samples, "penguins", "eval.csv"), penguinsCsv),
            Labelled: true,
            Preparation: [],
            "accuracy and macro F1 on eval.csv; calibration (static int8, compensation) on train.csv");

        yield return new ModelCase(
            "shapes-cnn (samples/shapes-cnn)",
            Load(Path.Combine(options.Samples, "shapes-cnn", "model.onnx")),
            DatasetLoader.Load(Path.Combine(options.Samples, "shapes-cnn", "calibration.npz")),
            DatasetLoader.Load(Path.Combine(options.Samples, "shapes-cnn", "eval.npz")),
            Labelled: true,
            Preparation: [Step(catalogue, "fold-batchnorm")],
            "accuracy and macro F1 on eval.npz (600 images); calibration on calibration.npz (200 training images)");

        if (!options.SkipResNet)
        {
            var resnet = Load(options.ResNetModel);
            var input = resnet.Graph.Input.First(i => resnet.Graph.Initializer.All(t => t.Name != i.Name)).Name;
            var scenes = Path.Combine(PassesOptions.DefaultScenesFolder, SceneGenerator.FileName);
            var (calibration, fidelity) = ScenesData.Load(scenes, input);
            yield return new ModelCase(
                "ResNet18 (Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1)",
                resnet,
                calibration,
                fidelity,
                Labelled: false,
                Preparation: [Step(catalogue, "opset-upgrade", ("target-opset", ParameterValue.Of(13L))), Step(catalogue, "fold-batchnorm")],
                $"cosine of the 512 features to fp32's on the {fidelity.Count} fidelity scenes (samples/resnet18-scenes, second half); calibration on the first {calibration.Count}");
        }
    }

    private static List<CandidateSpec> Candidates(ModelCase modelCase, DefaultPassCatalogue catalogue)
    {
        var prep = modelCase.Preparation;
        PassStep Static(bool perChannel, string activation) => Step(
            catalogue, "quantize-static", ("per-channel", ParameterValue.Of(perChannel)), ("activation-type", ParameterValue.Of(activation)));
        var magnitude = Step(catalogue, "prune-magnitude", ("mode", ParameterValue.Of("unstructured")), ("sparsity", ParameterValue.Of(0.5)));
        var list = new List<CandidateSpec> { new("fp32", "baseline", []) };
        if (prep.Count > 0)
        {
            list.Add(new("fp32 prepared", "graph preparation", prep));
        }

        list.Add(new("fp16", "precision", [Step(catalogue, "fp16")]));
        list.Add(new("dynamic int8", "quantization", [Step(catalogue, "quantize-dynamic")]));
        list.Add(new("static int8 S8S8 per-tensor", "quantization", [.. prep, Static(false, "int8")]));
        list.Add(new("static int8 U8S8 per-tensor", "quantization", [.. prep, Static(false, "uint8")]));
        list.Add(new("static int8 S8S8 per-channel", "quantization", [.. prep, Static(true, "int8")]));
        list.Add(new("static int8 U8S8 per-channel", "quantization", [.. prep, Static(true, "uint8")]));
        // Residual Adds and pools quantized too (QLinearAdd etc.), so no float island sits between the int8 convs.
        list.Add(new("static int8 U8S8 per-channel, extended ops", "quantization", [.. prep, Step(
            catalogue,
            "quantize-static",
            ("per-channel", ParameterValue.Of(true)),
            ("activation-type", ParameterValue.Of("uint8")),
            ("op-types", ParameterValue.Of(FunctionsOpt.Core.Passes.Quantization.Static.StaticInt8Pass.ExtendedOpTypes)))]));
        list.Add(new("magnitude 50%", "pruning", [magnitude]));
        list.Add(new("magnitude 2:4", "pruning", [Step(catalogue, "prune-magnitude", ("mode", ParameterValue.Of("nm")), ("n", ParameterValue.Of(2L)), ("m", ParameterValue.Of(4L)))]));
        list.Add(new("structured 25%", "pruning", [Step(catalogue, "prune-structured", ("ratio", ParameterValue.Of(0.25)))]));
        list.Add(new("structured 50%", "pruning", [Step(catalogue, "prune-structured", ("ratio", ParameterValue.Of(0.5)))]));
        list.Add(new("magnitude 50% + compensation", "pruning + compensation", [magnitude, Step(catalogue, "compensate-error")]));
        return list;
    }

    private static ModelResult RunModel(ModelCase modelCase, DefaultPassCatalogue catalogue, SessionSettings settings, PassesOptions options, TextWriter log)
    {
        log.WriteLine();
        log.WriteLine($"== {modelCase.Title}");
        var sessions = new InferenceSessionFactory();
        var context = new PassContext(sessions, modelCase.Calibration, Path.GetTempPath());
        var results = new List<CandidateResult>();
        foreach (var spec in Candidates(modelCase, catalogue))
        {
            var result = Build(modelCase.Model, spec, context);
            log.WriteLine(result.Built
                ? $"  built {spec.Name}: {result.Bytes!.Length} bytes in {result.BuildSeconds:F1} s"
                : $"  {spec.Name}: refused ({result.Refusal})");
            results.Add(result);
        }

        var built = results.Where(r => r.Built).ToList();
        var handles = built.Select(r => sessions.Create(r.Bytes!, r.Spec.Name, settings)).ToList();
        try
        {
            var inputName = handles[0].Session.InputMetadata.Keys.Single();
            var firstDim = handles[0].Session.InputMetadata[inputName].Dimensions[0];
            var batches = firstDim > 0 ? new List<int> { (int)firstDim } : [1, Math.Min(options.LargeBatch, modelCase.Evaluation.Count)];
            var batchNote = firstDim > 0
                ? $"the input's batch axis is fixed at {firstDim}, so batch {firstDim} only"
                : $"symbolic batch axis: batch 1 and batch {batches[1]} (the --large-batch cap)";
            Score(modelCase, built, handles, log);
            var callsPerRound = new Dictionary<int, int>();
            foreach (var batch in batches)
            {
                callsPerRound[batch] = Time(modelCase.Evaluation.Inputs[inputName], inputName, batch, built, handles, options, log);
            }

            return new ModelResult(modelCase, results, batches, batchNote, callsPerRound);
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
        }
    }

    internal static CandidateResult Build(ModelProto model, CandidateSpec spec, PassContext context)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            ModelProto output;
            IReadOnlyList<PassRecord> records = [];
            if (spec.Steps.Count == 0)
            {
                output = model;
            }
            else
            {
                var run = new PassPipeline(spec.Steps).Run(model, context);
                output = run.Model;
                records = run.Records;
            }

            var bytes = output.ToByteArray();
            return new CandidateResult
            {
                Spec = spec,
                Bytes = bytes,
                GzipBytes = GzipLength(bytes),
                Records = records,
                BuildSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
            };
        }
        catch (FunctionsOptException ex) when (ex is PassNotApplicableException or InvalidPassConfigurationException)
        {
            return new CandidateResult { Spec = spec, Refusal = ex.Message, BuildSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds };
        }
    }

    private static void Score(ModelCase modelCase, List<CandidateResult> built, List<SessionHandle> handles, TextWriter log)
    {
        if (modelCase.Labelled)
        {
            for (var i = 0; i < built.Count; i++)
            {
                var outcome = ModelEvaluator.Evaluate(handles[i], modelCase.Evaluation, new EvaluationRequest { Task = EvaluationTask.Classification, BatchSize = 32 });
                var report = outcome.Result.Classification!;
                built[i].Classification = (report.Accuracy, report.MacroAverage.F1);
                log.WriteLine($"  {built[i].Spec.Name}: accuracy {report.Accuracy:F4}, macro F1 {report.MacroAverage.F1:F4}");
            }

            return;
        }

        var runner = new ModelRunner(handles[0]);
        var output = runner.TensorOutputNames[0];
        var reference = runner.Run(modelCase.Evaluation, runner.EffectiveBatchSize(1), [output]).Outputs[output].ToFloatArray();
        var rowSize = reference.Length / modelCase.Evaluation.Count;
        for (var i = 0; i < built.Count; i++)
        {
            var candidateRunner = new ModelRunner(handles[i]);
            var values = candidateRunner.Run(modelCase.Evaluation, candidateRunner.EffectiveBatchSize(1), [output]).Outputs[output].ToFloatArray();
            var cosines = Enumerable.Range(0, modelCase.Evaluation.Count)
                .Select(r => Cosine(reference.AsSpan(r * rowSize, rowSize), values.AsSpan(r * rowSize, rowSize)))
                .ToList();
            built[i].Fidelity = (cosines.Average(), cosines.Min());
            log.WriteLine($"  {built[i].Spec.Name}: cosine mean {cosines.Average():F5}, min {cosines.Min():F5}");
        }
    }

    /// <summary>
    /// Interleaved rounds: each round runs every candidate for the same number of calls (sized so the fp32 model
    /// takes about --round-ms), one candidate at a time, the order rotating by one each round. Every call is timed.
    /// </summary>
    private static int Time(
        DataArray rows, string inputName, int batch, List<CandidateResult> built, List<SessionHandle> handles, PassesOptions options, TextWriter log)
    {
        var data = rows.SliceRows(0, Math.Min(batch, rows.Rows));
        if (data.Rows < batch)
        {
            throw new InvalidOperationException($"Batch {batch} needs {batch} rows; the evaluation set has {rows.Rows}.");
        }

        var callers = handles.Select(h => new Caller(h.Session, inputName, data)).ToList();
        try
        {
            // Size a round on the fp32 model.
            callers[0].Call();
            var calls = 0;
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < options.RoundMilliseconds || calls < MinCallsPerRound)
            {
                callers[0].Call();
                calls++;
            }

            log.WriteLine($"  batch {batch}: {calls} calls per candidate per round, {options.Warmup} warm-up + {options.Rounds} rounds");
            foreach (var result in built)
            {
                result.Latencies[batch] = new List<double>(calls * options.Rounds);
            }

            for (var r = -options.Warmup; r < options.Rounds; r++)
            {
                for (var k = 0; k < callers.Count; k++)
                {
                    var index = (((r % callers.Count) + callers.Count + k) % callers.Count);
                    Settle();
                    // Let the previous candidate's ORT worker threads stop spinning before this one starts.
                    Thread.Sleep(SpinDownMilliseconds);
                    for (var c = 0; c < calls; c++)
                    {
                        var seconds = callers[index].Call();
                        if (r >= 0)
                        {
                            built[index].Latencies[batch].Add(seconds);
                        }
                    }
                }
            }

            return calls;
        }
        finally
        {
            foreach (var caller in callers)
            {
                caller.Dispose();
            }
        }
    }

    internal static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    internal static PassStep Step(DefaultPassCatalogue catalogue, string name, params (string Name, ParameterValue Value)[] values)
    {
        var pass = catalogue.Find(name) ?? throw new InvalidOperationException($"The catalogue has no pass '{name}'.");
        return new PassStep(pass, new PassParameters(values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal)));
    }

    private static ModelProto Load(string path) =>
        File.Exists(path)
            ? ModelProto.Parser.ParseFrom(File.ReadAllBytes(path))
            : throw new FileNotFoundException($"'{path}' does not exist.", path);

    private static long GzipLength(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return buffer.Length;
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>One session fed one pre-built input tensor; <see cref="Call"/> times a single Run.</summary>
    private sealed class Caller : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly string[] _inputNames;
        private readonly OrtValue[] _inputs;
        private readonly string[] _outputNames;
        private readonly RunOptions _runOptions = new();

        public Caller(InferenceSession session, string inputName, DataArray data)
        {
            _session = session;
            _inputNames = [inputName];
            var values = data.Data as float[] ?? throw new NotSupportedException($"Input '{inputName}' must be float32; it is {data.ElementType}.");
            _inputs = [OrtValue.CreateTensorValueFromMemory(values, data.Shape)];
            _outputNames = session.OutputMetadata.Keys.ToArray();
        }

        public double Call()
        {
            var start = Stopwatch.GetTimestamp();
            using var outputs = _session.Run(_runOptions, _inputNames, _inputs, _outputNames);
            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        public void Dispose()
        {
            foreach (var input in _inputs)
            {
                input.Dispose();
            }

            _runOptions.Dispose();
        }
    }
}
