using System.ComponentModel;
using System.Text.Json;
using FunctionsOpt.Cli.Rendering;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Serialization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary><c>fopt profile</c>: quality on the data, latency, throughput, size and peak memory.</summary>
internal sealed class ProfileCommand : Command<ProfileCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<model>")]
        [Description("Path to the .onnx file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--data <FILE>")]
        [Description("Evaluation data: .csv (header + label column), .npy, .npz or a .json manifest.")]
        public string? Data { get; init; }

        [CommandOption("--label-column <NAME>")]
        [Description("CSV label column. Default: the last column.")]
        public string? LabelColumn { get; init; }

        [CommandOption("--input <NAME>")]
        [Description("Model input that CSV features or a single .npy feed. Default: the model's only input.")]
        public string? Input { get; init; }

        [CommandOption("--task <TASK>")]
        [Description("classification, regression or fidelity.")]
        [DefaultValue("classification")]
        public string Task { get; init; } = "classification";

        [CommandOption("--score-output <NAME>")]
        [Description("Output to score. Default: the model's only float output.")]
        public string? ScoreOutput { get; init; }

        [CommandOption("--score-kind <KIND>")]
        [Description("auto, probabilities or logits.")]
        [DefaultValue("auto")]
        public string ScoreKind { get; init; } = "auto";

        [CommandOption("--top-k <LIST>")]
        [Description("Top-k accuracies to report, e.g. 2,3.")]
        public string? TopK { get; init; }

        [CommandOption("--drop-missing")]
        [Description("Drop CSV rows with missing values (they are reported) instead of failing.")]
        public bool DropMissing { get; init; }

        [CommandOption("--provider <PROVIDER>")]
        [Description("cpu, cuda or tensorrt.")]
        [DefaultValue("cpu")]
        public string Provider { get; init; } = "cpu";

        [CommandOption("--allow-cpu-fallback")]
        [Description("Fall back to CPU when the provider cannot load (the fallback is recorded).")]
        public bool AllowCpuFallback { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Intra-op threads; 0 = ONNX Runtime default.")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        [CommandOption("--optimization <LEVEL>")]
        [Description("Graph optimization: disabled, basic, extended or all.")]
        [DefaultValue("all")]
        public string Optimization { get; init; } = "all";

        [CommandOption("--batch-sizes <LIST>")]
        [Description("Batch sizes to time.")]
        [DefaultValue("1,8,64")]
        public string BatchSizes { get; init; } = "1,8,64";

        [CommandOption("--warmup <N>")]
        [DefaultValue(5)]
        public int Warmup { get; init; } = 5;

        [CommandOption("--runs <N>")]
        [Description("Timed runs per batch size (capped by --max-seconds).")]
        [DefaultValue(50)]
        public int Runs { get; init; } = 50;

        [CommandOption("--max-seconds <S>")]
        [Description("Time budget per batch size.")]
        [DefaultValue(10.0)]
        public double MaxSeconds { get; init; } = 10;

        [CommandOption("--no-memory")]
        [Description("Skip the peak-memory measurement in a child process.")]
        public bool NoMemory { get; init; }

        [CommandOption("--session-settings <FILE>")]
        [Description("Load provider, threads and optimization level from an ONNX Runtime session settings file (a run's serving/ort-session.json); it takes precedence over --provider, --threads and --optimization.")]
        public string? SessionSettings { get; init; }

        [CommandOption("--dim <NAME=SIZE>")]
        [Description("Size of a named symbolic input dimension where no data fixes it, e.g. --dim seq=128 (repeatable); the batch axis takes the batch size.")]
        public string[]? Dimensions { get; init; }

        [CommandOption("--json <FILE>")]
        [Description("Also write the profile as JSON to FILE.")]
        public string? Json { get; init; }
    }

    /// <summary>The session settings: from --session-settings when given (--allow-cpu-fallback still adds fallback), else from the flags.</summary>
    internal static SessionSettings Session(Settings settings)
    {
        if (settings.SessionSettings is not { } file)
        {
            return CliParsing.Session(settings.Provider, settings.AllowCpuFallback, settings.Threads, settings.Optimization);
        }

        var loaded = SessionSettingsFile.Load(file);
        return settings.AllowCpuFallback ? loaded with { AllowCpuFallback = true } : loaded;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var sessionSettings = Session(settings);
        var profileOptions = new ProfileOptions
        {
            BatchSizes = CliParsing.IntList(settings.BatchSizes, "--batch-sizes"),
            WarmupRuns = Math.Max(0, settings.Warmup),
            TimedRuns = Math.Max(1, settings.Runs),
            MinTimedRuns = Math.Min(5, Math.Max(1, settings.Runs)),
            MaxSecondsPerBatchSize = settings.MaxSeconds,
            Dimensions = CliParsing.Dimensions(settings.Dimensions),
        };
        var request = new EvaluationRequest
        {
            Task = CliParsing.Task(settings.Task),
            ScoreOutput = settings.ScoreOutput,
            ScoreKind = CliParsing.ScoreKind(settings.ScoreKind),
            TopK = settings.TopK is null ? [] : CliParsing.IntList(settings.TopK, "--top-k"),
        };

        var inspector = new OnnxModelInspector();
        var sessions = new InferenceSessionFactory();
        var probe = settings.NoMemory ? null : SelfProbe.Create();
        var service = new ProfileService(new OnnxModelValidator(inspector, sessions), sessions, new PerformanceProfiler(sessions, probe));

        DatasetLoadResult? data = null;
        if (settings.Data is not null)
        {
            var inputs = inspector.Inspect(settings.Model).Inputs;
            data = DatasetLoader.LoadWithDetails(settings.Data, new DatasetLoadOptions
            {
                InputName = settings.Input,
                ModelInputs = inputs,
                Csv = new CsvReadOptions
                {
                    LabelColumn = request.Task == EvaluationTask.FidelityOnly ? settings.LabelColumn : settings.LabelColumn ?? CsvHeader.LastColumn(settings.Data),
                    InputName = settings.Input ?? (inputs.Count == 1 ? inputs[0].Name : null),
                    Task = request.Task == EvaluationTask.Regression ? DatasetTask.Regression : DatasetTask.Classification,
                    MissingValues = settings.DropMissing ? MissingValuePolicy.DropRows : MissingValuePolicy.Error,
                },
            });
        }

        var report = AnsiConsole.Status().Start("Profiling…", _ => service.Profile(settings.Model, sessionSettings, profileOptions, data, request, cancellationToken));
        ReportRenderer.RenderProfile(AnsiConsole.Console, report);
        if (settings.Json is not null)
        {
            File.WriteAllText(settings.Json, JsonSerializer.Serialize(report, JsonDefaults.Options));
            AnsiConsole.MarkupLine($"[grey]Wrote {Markup.Escape(settings.Json)}[/]");
        }

        return 0;
    }
}
