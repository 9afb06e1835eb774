using System.ComponentModel;
using System.Globalization;
using FunctionsOpt.Cli.Rendering;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Schedulers;
using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary><c>fopt optimize</c>: the whole pipeline on the embedded engine, with live progress and the headline result.</summary>
internal sealed class OptimizeCommand : AsyncCommand<OptimizeCommand.Settings>
{
    // Trial ids of the final full-budget re-evaluations (the rest are search trials).
    private const string FinalPrefix = "final-";

    // Structured pruning is in by default: on the README's sample it was the only pass that made the model both
    // faster and much smaller (whole neurons go, so the matrices shrink; magnitude pruning only zeroes weights).
    private static readonly string[] DefaultPasses = ["prune-structured", "prune-magnitude", "fp16", "quantize-dynamic", "quantize-static"];

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<model>")]
        [Description("Path to the .onnx file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--data <FILE>")]
        [Description("Evaluation data by extension: .npz (entries named after the model inputs, labels in 'labels'), .npy (single-input models; labels in a sibling NAME.labels.npy), .csv with a header and a label column, or a .json manifest.")]
        public string? Data { get; init; }

        [CommandOption("--label-column <NAME>")]
        [Description("CSV label column. Default: the last column.")]
        public string? LabelColumn { get; init; }

        [CommandOption("--input <NAME>")]
        [Description("Model input that CSV features or a single .npy feed. Default: the model's only input.")]
        public string? Input { get; init; }

        [CommandOption("--max-accuracy-drop <DROP>")]
        [Description("Largest allowed absolute accuracy drop vs the unmodified model: a fraction in (0, 1) such as 0.01, or a percentage such as 1%.")]
        [DefaultValue("0.01")]
        public string MaxAccuracyDrop { get; init; } = "0.01";

        [CommandOption("--min-cosine <C>")]
        [Description("Fidelity bar, needs no labels: the mean cosine similarity of each sample's output with the unmodified model's must stay at least C (e.g. 0.99).")]
        public double? MinCosine { get; init; }

        [CommandOption("--max-top1-drop <D>")]
        [Description("Fidelity bar, needs no labels: top-1 agreement with the unmodified model (per position along the last axis for sequence and map outputs) may drop at most D below 1 (e.g. 0.01).")]
        public double? MaxTop1Drop { get; init; }

        [CommandOption("--max-relative-rms <R>")]
        [Description("Fidelity bar, needs no labels: RMS of the output's difference from the unmodified model's, over the RMS of that output, at most R (e.g. 0.05).")]
        public double? MaxRelativeRms { get; init; }

        [CommandOption("--objective <METRIC>")]
        [Description("latency-p50, latency-p95, throughput, size or compressed-size.")]
        [DefaultValue("latency-p50")]
        public string Objective { get; init; } = "latency-p50";

        [CommandOption("--budget <R>")]
        [Description("Hyperband's maximum resource R: a trial at R scores the whole evaluation set.")]
        [DefaultValue(9)]
        public int Budget { get; init; } = 9;

        [CommandOption("--eta <ETA>")]
        [Description("Hyperband's reduction factor (keep the top 1/eta per rung).")]
        [DefaultValue(3)]
        public int Eta { get; init; } = 3;

        [CommandOption("--passes <LIST>")]
        [Description("Comma-separated passes the search may use, or 'all' for every applicable one. Default: prune-structured,prune-magnitude,fp16,quantize-dynamic,quantize-static.")]
        public string? Passes { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Where runs/{runId}/ (best model, report.html/json, trials.csv, model card, serving/, state.json) is written.")]
        [DefaultValue("fopt-out")]
        public string Out { get; init; } = "fopt-out";

        [CommandOption("--provider <PROVIDER>")]
        [Description("Execution provider every trial requests: cpu, cuda or tensorrt. The provider actually used is recorded per trial.")]
        [DefaultValue("cpu")]
        public string Provider { get; init; } = "cpu";

        [CommandOption("--no-cpu-fallback")]
        [Description("Fail trials whose provider cannot load instead of running them on CPU (the fallback is recorded either way).")]
        public bool NoCpuFallback { get; init; }

        [CommandOption("--force")]
        [Description("Run again even when this model, data and spec already completed (a new run id); without it the stored result is shown.")]
        public bool Force { get; init; }

        [CommandOption("--seed <SEED>")]
        [Description("Seed of every random choice.")]
        [DefaultValue(0L)]
        public long Seed { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var spec = BuildSpec(settings);
        var problems = SpecValidator.Default.Validate(spec).Problems;
        if (problems.Count > 0)
        {
            throw new InvalidSpecException(problems);
        }

        // The embedded engine's web host logs at Information by default; keep the console for progress.
        if (Environment.GetEnvironmentVariable("Logging__LogLevel__Default") is null)
        {
            Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        }

        // From here Ctrl+C / SIGTERM stop the run cleanly (a second one quits at once); see CliInterrupts.
        CliInterrupts.HandleGracefully();
        var interrupt = CliInterrupts.Token;
        var root = Path.GetFullPath(settings.Out);
        await using var host = await EmbeddedOptimizationHost.StartAsync(root, cancellationToken: cancellationToken);
        // The id covers the spec and the bytes of the model and data, so a retrained model under the same path is a
        // new run; --force salts it with the time so the same inputs run again beside the stored result.
        var salt = settings.Force ? DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) : null;
        var runId = await RunIdentity.RunIdOfAsync(spec, host.Store, salt, cancellationToken);
        var stored = (await host.Store.ReadStateAsync(runId, cancellationToken))?.State;
        if (stored is { Status: RunStatus.Completed or RunStatus.Failed })
        {
            var when = (stored.Timings.CompletedAt ?? stored.Timings.CreatedAt).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
            AnsiConsole.MarkupLineInterpolated($"Run [bold]{runId}[/] already {stored.Status.ToString().ToLowerInvariant()} on {when}; showing the stored result (use --force to run again).");
            return ShowStored(stored, root, spec.Objective.BatchSize);
        }

        if (interrupt.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("Interrupted before the run started; nothing was written.");
            return CliInterrupts.ExitCode;
        }

        if (stored is not null)
        {
            // Interrupted (cancelled) or cut off (the process died): the trials it finished are kept and not rerun.
            var done = stored.Trials.Count(t => t.Status == TrialStatus.Ok && !t.TrialId.StartsWith(FinalPrefix, StringComparison.Ordinal));
            var planned = HyperbandPlan.Brackets(spec.Search.MaxResource, spec.Search.Eta).Sum(b => b.Rungs.Sum(r => r.Configurations));
            AnsiConsole.MarkupLineInterpolated($"Resuming run [bold]{runId}[/]: {Math.Min(done, planned)} of {planned} trials done (artifacts in {root}).");
            await host.Runs.ReopenCancelledAsync(runId, cancellationToken);
        }

        await host.SubmitAsync(spec, runId, cancellationToken);
        if (stored is null)
        {
            AnsiConsole.MarkupLineInterpolated($"Run [bold]{runId}[/] started (artifacts in {root}).");
        }

        RunSummary? summary = null;
        var cancelling = false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await AnsiConsole.Status().StartAsync("Validating...", async status =>
        {
            var wait = host.WaitAsync(runId, CancellationToken.None);
            while (!wait.IsCompleted)
            {
                if (interrupt.IsCancellationRequested && !cancelling)
                {
                    // The run ends Cancelled after the trials in flight, and its finish writes the partial report.
                    cancelling = true;
                    await host.Runs.CancelAsync(runId, "interrupted (Ctrl+C or SIGTERM)", CancellationToken.None);
                }

                var progress = await host.GetProgressAsync(runId, CancellationToken.None);
                if (progress is not null)
                {
                    var elapsed = string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed:hh\\:mm\\:ss}] ");
                    // The status line is markup: escape it (the elapsed time is in brackets).
                    status.Status(Markup.Escape(elapsed + (cancelling ? "Stopping (Ctrl+C again quits at once): " : string.Empty) + RunProgressText.Describe(progress)));
                }

                await Task.WhenAny(wait, Task.Delay(500, cancelling ? CancellationToken.None : interrupt));
            }

            summary = await wait;
        });

        var state = (await host.Store.ReadStateAsync(runId, CancellationToken.None))?.State;
        if (summary is null || state is null)
        {
            AnsiConsole.MarkupLine("[red]The run ended without a summary.[/]");
            return ErrorReporter.InternalError;
        }

        if (cancelling && summary.Status == RunStatus.Cancelled)
        {
            var kept = state.Trials.Count(t => t.Status == TrialStatus.Ok);
            AnsiConsole.MarkupLineInterpolated($"Run [bold]{runId}[/] interrupted: {kept} finished trial(s) kept; partial report {Path.Combine(root, "runs", runId, "report.html")}.");
            AnsiConsole.MarkupLine("Run the same command again to resume it.");
            return CliInterrupts.ExitCode;
        }

        if (summary.Status != RunStatus.Completed)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Run {summary.Status}[/]: {summary.Error?.Code} {summary.Error?.Message}");
            return summary.Status == RunStatus.Failed ? ErrorReporter.UserError : ErrorReporter.InternalError;
        }

        Render(state, summary, root, spec.Objective.BatchSize);
        return 0;
    }

    /// <summary>Prints a finished run from its stored record alone, exactly as it was reported when it ended.</summary>
    private static int ShowStored(RunState state, string root, int batchSize)
    {
        var error = state.Errors.Count > 0 ? state.Errors[^1] : null;
        if (state.Status != RunStatus.Completed)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Run {state.Status}[/]: {error?.Code} {error?.Message}");
            return ErrorReporter.UserError;
        }

        Render(state, new RunSummary(state.RunId, state.Status, state.BestTrialId, state.Outcome?.BestEffort ?? false, error), root, batchSize);
        return 0;
    }

    private static OptimizationSpec BuildSpec(Settings settings)
    {
        var passes = settings.Passes switch
        {
            null => DefaultPasses,
            "all" => null,
            var list => CliParsing.PassNames(list),
        };
        var maxDrop = CliParsing.Fraction(settings.MaxAccuracyDrop, "--max-accuracy-drop");
        var objective = settings.Objective switch
        {
            "latency-p50" => ObjectiveMetric.LatencyP50,
            "latency-p95" => ObjectiveMetric.LatencyP95,
            "throughput" => ObjectiveMetric.Throughput,
            "size" => ObjectiveMetric.SizeBytes,
            "compressed-size" => ObjectiveMetric.CompressedSizeBytes,
            var other => throw new InvalidSpecException([new SpecProblem("--objective", $"'{other}' is not an objective", "use latency-p50, latency-p95, throughput, size or compressed-size")]),
        };
        var dataPath = settings.Data ?? throw new InvalidSpecException([new SpecProblem("--data", "no evaluation data given", "pass --data FILE (.npz, .npy, .csv with a label column, or a .json manifest)")]);
        var (task, quality) = Quality(settings, dataPath, maxDrop);
        return new OptimizationSpec
        {
            Model = new ModelReference { Path = Path.GetFullPath(settings.Model) },
            Dataset = new DatasetReference
            {
                Path = Path.GetFullPath(dataPath),
                Task = task,
                LabelColumn = settings.LabelColumn ?? (IsExtension(dataPath, ".csv") && task != EvaluationTask.Fidelity ? CsvHeader.LastColumn(dataPath) : null),
                // Only CSV features and a lone .npy feed one input the file cannot name; .npz entries and manifests name their own.
                Input = IsExtension(dataPath, ".csv") || IsExtension(dataPath, ".npy") ? settings.Input ?? OnlyInput(settings.Model) : null,
            },
            Objective = new ObjectiveSpec { Metric = objective },
            Constraints = new ConstraintsSpec { Quality = quality, MaxRelativeRms = settings.MaxRelativeRms },
            Search = new SearchSpec { MaxResource = settings.Budget, Eta = settings.Eta },
            Passes = passes,
            Providers = new ProviderPolicy { Allowed = [ProviderOf(settings.Provider)], AllowCpuFallback = !settings.NoCpuFallback },
            Seed = settings.Seed,
        };
    }

    /// <summary>
    /// The task and quality bars: an accuracy bar when the data has labels, plus any fidelity bar given; with no
    /// labels, fidelity alone, and at least one fidelity bar is required.
    /// </summary>
    private static (EvaluationTask Task, IReadOnlyList<QualityConstraint> Quality) Quality(Settings settings, string dataPath, double maxAccuracyDrop)
    {
        var fidelity = new List<QualityConstraint>();
        if (settings.MinCosine is { } cosine)
        {
            if (cosine is < -1 or > 1)
            {
                throw new InvalidSpecException([new SpecProblem("--min-cosine", $"{cosine.ToString(CultureInfo.InvariantCulture)} is not a cosine similarity", "give a value in [-1, 1], e.g. 0.99")]);
            }

            // The unmodified model scores cosine 1 against itself, so "at least C" is "drops at most 1 - C".
            fidelity.Add(new QualityConstraint { Metric = QualityMetric.Cosine, MaxDrop = Math.Max(0, 1 - cosine) });
        }

        if (settings.MaxTop1Drop is { } top1)
        {
            fidelity.Add(new QualityConstraint { Metric = QualityMetric.Fidelity, MaxDrop = top1 });
        }

        var hasFidelityBar = fidelity.Count > 0 || settings.MaxRelativeRms is not null;
        var hasLabels = (settings.LabelColumn is not null || !hasFidelityBar || !IsExtension(dataPath, ".csv")) && Core.Data.DatasetLoader.HasLabels(dataPath);
        if (!hasLabels && !hasFidelityBar)
        {
            throw new InvalidSpecException([new SpecProblem("--data", $"'{Path.GetFileName(dataPath)}' has no labels, so there is no accuracy to hold", "give a fidelity bar (--min-cosine, --max-top1-drop or --max-relative-rms), or add labels ('labels' entry in an .npz, a label column in a CSV)")]);
        }

        return hasLabels
            ? (EvaluationTask.Classification, [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = maxAccuracyDrop }, .. fidelity])
            : (EvaluationTask.Fidelity, fidelity);
    }

    private static bool IsExtension(string path, string extension) => path.EndsWith(extension, StringComparison.OrdinalIgnoreCase);

    private static ProviderName ProviderOf(string text) => text.Trim().ToUpperInvariant() switch
    {
        "CPU" => ProviderName.Cpu,
        "CUDA" => ProviderName.Cuda,
        "TENSORRT" or "TRT" => ProviderName.TensorRT,
        _ => throw new InvalidSpecException([new SpecProblem("--provider", $"'{text}' is not a provider", "use cpu, cuda or tensorrt")]),
    };

    private static string? OnlyInput(string model)
    {
        var inputs = new Core.Onnx.OnnxModelInspector().Inspect(model).Inputs;
        return inputs.Count == 1 ? inputs[0].Name : null;
    }


    private static void Render(RunState state, RunSummary summary, string root, int batchSize)
    {
        var best = state.Trials.FirstOrDefault(t => t.TrialId == summary.BestTrialId);
        var baseline = state.Baseline?.Metrics ?? new Dictionary<string, double>();
        var table = new Table().AddColumn("metric").AddColumn("baseline").AddColumn("best");
        void Row(string label, string metric, Func<double, string> format)
        {
            string Cell(IReadOnlyDictionary<string, double>? m) => m is not null && m.TryGetValue(metric, out var v) ? format(v) : "-";
            table.AddRow(Markup.Escape(label), Markup.Escape(Cell(baseline)), Markup.Escape(Cell(best?.Metrics)));
        }

        string Fixed(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        if (state.Verdict is { } timed)
        {
            // The verdict's session timed both models interleaved: those two numbers are comparable, the search's are not.
            var chosen = timed.Finalists.FirstOrDefault(f => f.TrialId == timed.RecommendedTrialId);
            table.AddRow("latency p50 (re-timed)", Markup.Escape(ConfigurationText.Latency(timed.OriginalP50Ms)), Markup.Escape(ConfigurationText.Latency(chosen?.P50Ms ?? timed.OriginalP50Ms)));
        }
        else
        {
            Row("latency p50", MetricNames.LatencyP50Ms(batchSize), ConfigurationText.Latency);
        }

        Row("size (bytes)", MetricNames.SizeBytes, v => Fixed(v, "F0"));
        Row("accuracy", MetricNames.Accuracy, v => Fixed(v, "F4"));
        Row("fidelity (top-1)", MetricNames.FidelityTop1, v => Fixed(v, "F4"));
        Row("fidelity (cosine)", MetricNames.FidelityCosine, v => Fixed(v, "F4"));
        Row("fidelity (relative RMS)", MetricNames.FidelityRelativeRms, v => Fixed(v, "F4"));
        AnsiConsole.Write(table);
        var passes = best is null || best.Passes.Count == 0 ? "none (the original model is recommended)" : string.Join(" + ", best.Passes);
        AnsiConsole.MarkupLineInterpolated($"Best: {summary.BestTrialId ?? "-"}{(summary.BestEffort ? " (best effort: misses the bar)" : string.Empty)}; passes: {passes}");
        if (best is not null)
        {
            AnsiConsole.MarkupLine("Configuration:");
            foreach (var line in ConfigurationText.Lines(best.Configuration))
            {
                AnsiConsole.MarkupLineInterpolated($"  {line}");
            }
        }

        if (state.Verdict is { } verdict)
        {
            AnsiConsole.MarkupLineInterpolated($"Verdict: {verdict.Headline} ({verdict.Rounds} interleaved rounds, {verdict.Confidence:P0} intervals){(verdict.KeepsOriginal ? "; best/model.onnx is the original model" : string.Empty)}");
            foreach (var reason in verdict.Reasons)
            {
                AnsiConsole.MarkupLineInterpolated($"  {reason}");
            }
        }

        var trials = state.Trials.Count(t => !t.TrialId.StartsWith(FinalPrefix, StringComparison.Ordinal));
        AnsiConsole.MarkupLineInterpolated($"Trials: {trials} in the search, {state.Trials.Count - trials} final re-evaluation(s).");
        var folder = Path.Combine(root, "runs", state.RunId);
        AnsiConsole.MarkupLineInterpolated($"Report: {Path.Combine(folder, "report.html")}");
        AnsiConsole.MarkupLineInterpolated($"Files: {Path.Combine(folder, "best", "model.onnx")}, report.json, trials.csv, summary.md, model-card.md, serving/ (Triton repository, ort-session.json)");
    }
}
