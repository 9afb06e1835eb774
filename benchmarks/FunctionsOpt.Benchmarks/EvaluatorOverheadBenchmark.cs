using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Benchmarks;

/// <summary>
/// "Evaluator overhead": rows per second of <see cref="ModelRunner.Run"/> (and <see cref="ModelEvaluator.Evaluate"/>)
/// against <see cref="RawOrtLoop"/> over the same batches of the same arrays, on one shared session per model so the
/// contenders never run on competing thread pools. Rounds are interleaved and medians compared.
/// </summary>
internal static class EvaluatorOverheadBenchmark
{
    private const string Runner = "ModelRunner.Run";
    private const string Evaluator = "ModelEvaluator.Evaluate";
    private const string Raw = "raw ORT loop";
    private const int ImageSeed = 20261129;

    public static void Run(BenchmarkOptions options, IReadOnlyList<string> commandLine, TextWriter log)
    {
        RequireFile(options.PenguinsModel, "Generate the penguins sample first: npm ci && dotnet run --project tools/FunctionsOpt.SampleTrainer -- --out samples/penguins");
        RequireFile(options.PenguinsData, "Generate the penguins sample first (see samples/penguins).");
        if (!options.SkipResNet)
        {
            RequireFile(options.ResNetModel, "Restore the benchmark project (it references Microsoft.ML.DnnImageFeaturizer.ResNet18) or pass --resnet-model.");
        }

        var machine = MachineInfo.Capture();
        log.WriteLine($"evaluator-overhead on {machine.Cores} cores, ORT {machine.OrtVersion}, {machine.Configuration} build; load average {machine.LoadAverage}");
        var settings = new SessionSettings
        {
            Provider = ExecutionProvider.Cpu,
            IntraOpThreads = options.Threads,
            OptimizationLevel = GraphOptimization.All,
        };
        var factory = new InferenceSessionFactory();
        var cases = new List<CaseResult>();

        var loaded = DatasetLoader.LoadWithDetails(
            options.PenguinsData,
            new DatasetLoadOptions { Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" } });
        using (var handle = factory.Create(options.PenguinsModel, settings))
        {
            foreach (var batch in new[] { 64, 1 })
            {
                cases.Add(RunPenguins(handle, loaded.Dataset, batch, options, log));
            }
        }

        if (!options.SkipResNet)
        {
            using var handle = factory.Create(options.ResNetModel, settings);
            cases.Add(RunResNet(handle, options, log));
        }

        var markdown = ResultReport.Render(cases, machine, settings, options, commandLine);
        Directory.CreateDirectory(Path.GetDirectoryName(options.OutputPath)!);
        File.WriteAllText(options.OutputPath, markdown);
        log.WriteLine();
        log.WriteLine(ResultReport.RenderTable(cases));
        log.WriteLine($"Wrote {options.OutputPath}");
    }

    private static CaseResult RunPenguins(SessionHandle handle, EvaluationDataset baseData, int batch, BenchmarkOptions options, TextWriter log)
    {
        var outputs = new ModelRunner(handle).TensorOutputNames;
        var rows = options.PenguinsRows;
        EvaluationDataset data;
        RawOrtLoop raw;
        while (true)
        {
            // The 102-row eval set repeated until a raw pass is long enough to time reliably.
            data = baseData.Select(Enumerable.Range(0, rows).Select(i => i % baseData.Count).ToArray());
            raw = new RawOrtLoop(handle.Session, data, batch, outputs);
            raw.Run();
            var seconds = Measurement.Time(raw.Run);
            if (seconds * 1000 >= options.MinRoundMilliseconds || rows >= 1 << 22)
            {
                break;
            }

            raw.Dispose();
            rows *= 2;
        }

        using (raw)
        {
            log.WriteLine($"penguins, batch {batch}, {rows} rows");
            var request = new EvaluationRequest { Task = EvaluationTask.Classification, BatchSize = batch, ScoreOutput = outputs.Single() };
            var variants = new List<Variant>
            {
                new(Runner, false, () => RunnerPass(handle, data, batch, outputs)),
                new(Evaluator, false, () =>
                {
                    var start = System.Diagnostics.Stopwatch.GetTimestamp();
                    var outcome = ModelEvaluator.Evaluate(handle, data, request);
                    var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
                    return new Sample(seconds, outcome.Outputs.InferenceTime.TotalSeconds);
                }),
                new(Raw, true, () => new Sample(Measurement.Time(raw.Run), null)),
            };
            var check = OutputCheck(handle, data, batch, outputs, raw);
            var accuracy = ModelEvaluator.Evaluate(handle, data, request).Result.Classification!.Accuracy;
            var samples = Measurement.Interleave(variants, options.Warmup, options.Rounds, log);
            return new CaseResult(
                "penguins MLP (samples/penguins)", batch, rows, options.Rounds, Raw, [Runner, Evaluator], samples, check,
                $"eval.csv ({baseData.Count} rows) repeated; accuracy {accuracy:F4} (sanity check of the evaluator path)");
        }
    }

    private static CaseResult RunResNet(SessionHandle handle, BenchmarkOptions options, TextWriter log)
    {
        var runner = new ModelRunner(handle);
        var outputs = runner.TensorOutputNames;
        var batch = runner.EffectiveBatchSize(1);
        var (inputName, meta) = handle.Session.InputMetadata.Single();
        var shape = new long[meta.Dimensions.Length];
        shape[0] = options.ResNetImages;
        for (var d = 1; d < shape.Length; d++)
        {
            shape[d] = meta.Dimensions[d];
        }

        var images = DataArray.FromFloats(RandomNormal(checked((int)shape.Aggregate(1L, (a, b) => a * b)), ImageSeed), shape);
        var data = new EvaluationDataset(new Dictionary<string, DataArray>(StringComparer.Ordinal) { [inputName] = images }, source: "synthetic");
        using var raw = new RawOrtLoop(handle.Session, data, batch, outputs);
        log.WriteLine($"ResNet18, batch {batch}, {data.Count} images {images.ShapeText}");
        var variants = new List<Variant>
        {
            new(Runner, false, () => RunnerPass(handle, data, batch, outputs)),
            new(Raw, true, () => new Sample(Measurement.Time(raw.Run), null)),
        };
        raw.Run();
        var check = OutputCheck(handle, data, batch, outputs, raw);
        var samples = Measurement.Interleave(variants, options.Warmup, options.Rounds, log);
        return new CaseResult(
            "ResNet18 (Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1)", batch, data.Count, options.Rounds, Raw, [Runner], samples, check,
            $"input '{inputName}' {images.ShapeText}, seeded random-normal (seed {ImageSeed}); no labels, so no evaluator row");
    }

    private static Sample RunnerPass(SessionHandle handle, EvaluationDataset data, int batch, IReadOnlyList<string> outputs)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var run = new ModelRunner(handle).Run(data, batch, outputs);
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Sample(seconds, run.InferenceTime.TotalSeconds);
    }

    /// <summary>Both contenders must do the same work: compare the runner's collected outputs with the raw loop's.</summary>
    private static double OutputCheck(SessionHandle handle, EvaluationDataset data, int batch, IReadOnlyList<string> outputs, RawOrtLoop raw)
    {
        raw.Run();
        var run = new ModelRunner(handle).Run(data, batch, outputs);
        var max = 0.0;
        for (var o = 0; o < outputs.Count; o++)
        {
            var ours = (float[])run.Outputs[outputs[o]].Data;
            var theirs = raw.Results[o];
            if (ours.Length != theirs.Length)
            {
                throw new InvalidOperationException($"Output '{outputs[o]}': runner collected {ours.Length} values, raw loop {theirs.Length}.");
            }

            for (var i = 0; i < ours.Length; i++)
            {
                max = Math.Max(max, Math.Abs((double)ours[i] - theirs[i]));
            }
        }

        return max;
    }

    private static float[] RandomNormal(int count, int seed)
    {
        // Box-Muller over a seeded generator: reproducible, not security-relevant.
#pragma warning disable CA5394
        var random = new Random(seed);
        var result = new float[count];
        for (var i = 0; i < count; i += 2)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
#pragma warning restore CA5394
            var r = Math.Sqrt(-2.0 * Math.Log(u1));
            result[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count)
            {
                result[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }

        return result;
    }

    private static void RequireFile(string path, string hint)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist. {hint}", path);
        }
    }
}
