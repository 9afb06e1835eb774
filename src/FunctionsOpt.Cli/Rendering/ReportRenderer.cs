using System.Globalization;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Evaluation.Metrics;
using FunctionsOpt.Core.Onnx;
using Spectre.Console;

namespace FunctionsOpt.Cli.Rendering;

/// <summary>Readable terminal tables for inspections and profiles.</summary>
internal static class ReportRenderer
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void RenderInspection(IAnsiConsole console, ModelInspection model)
    {
        var summary = new Table().Border(TableBorder.Rounded).Title("[bold]Model[/]").HideHeaders().AddColumn("k").AddColumn("v");
        summary.AddRow("File", Markup.Escape(model.Path));
        summary.AddRow("Size", Bytes(model.FileBytes));
        summary.AddRow("IR version", model.IrVersion.ToString(Invariant));
        summary.AddRow("Opsets", Markup.Escape(string.Join(", ", model.Opsets.Select(o => $"{(o.Key.Length == 0 ? "ai.onnx" : o.Key)}:{o.Value}"))));
        summary.AddRow("Producer", Markup.Escape(model.Producer));
        summary.AddRow("Nodes", model.NodeCount.ToString("N0", Invariant));
        summary.AddRow("Parameters", model.ParameterCount.ToString("N0", Invariant));
        summary.AddRow("Initializers", $"{model.InitializerCount.ToString(Invariant)} ({Bytes(model.InitializerBytes)})");
        summary.AddRow("External data", model.ExternalDataFiles.Count == 0 ? "none" : Markup.Escape(string.Join(", ", model.ExternalDataFiles)));
        console.Write(summary);

        var io = new Table().Border(TableBorder.Rounded).Title("[bold]Inputs and outputs[/]")
            .AddColumn("Kind").AddColumn("Name").AddColumn("Type").AddColumn("Shape");
        foreach (var input in model.Inputs)
        {
            io.AddRow("input", Markup.Escape(input.Name), input.ElementType.OnnxName(), Markup.Escape(input.ShapeText));
        }

        foreach (var output in model.Outputs)
        {
            io.AddRow("output", Markup.Escape(output.Name), output.ElementType.OnnxName(), Markup.Escape(output.ShapeText));
        }

        console.Write(io);

        var ops = new Table().Border(TableBorder.Rounded).Title("[bold]Operators[/]").AddColumn("Op").AddColumn(new TableColumn("Count").RightAligned());
        foreach (var (op, count) in model.OperatorHistogram)
        {
            ops.AddRow(Markup.Escape(op), count.ToString(Invariant));
        }

        console.Write(ops);
    }

    public static void RenderProfile(IAnsiConsole console, ProfileReport report)
    {
        var model = report.Model;
        console.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(model.Path))}[/]  IR {model.IrVersion.ToString(Invariant)}, opset {model.DefaultOpset.ToString(Invariant)}, " +
                           $"{model.ParameterCount.ToString("N0", Invariant)} parameters, {model.NodeCount.ToString(Invariant)} nodes");

        foreach (var note in report.DataNotes)
        {
            console.MarkupLine($"[yellow]note[/]: {Markup.Escape(note)}");
        }

        if (report.Evaluation is { } evaluation)
        {
            RenderEvaluation(console, evaluation);
        }

        var perf = report.Performance;
        var provider = perf.Provider.FallbackReason is null
            ? perf.Provider.Used
            : $"{perf.Provider.Used} (requested {perf.Provider.Requested}: {perf.Provider.FallbackReason})";
        var latency = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]Latency[/] — {Markup.Escape(provider)}, ORT {Markup.Escape(perf.OrtVersion)}, {Markup.Escape(perf.InputSource)} inputs{(perf.IoBinding ? ", IO binding" : string.Empty)}")
            .AddColumn(new TableColumn("Batch").RightAligned())
            .AddColumn(new TableColumn("Runs").RightAligned())
            .AddColumn(new TableColumn("p50 ms").RightAligned())
            .AddColumn(new TableColumn("p90 ms").RightAligned())
            .AddColumn(new TableColumn("p95 ms").RightAligned())
            .AddColumn(new TableColumn("p99 ms").RightAligned())
            .AddColumn(new TableColumn("rows/s").RightAligned());
        foreach (var b in perf.Batches)
        {
            latency.AddRow(
                b.BatchSize.ToString(Invariant), b.Runs.ToString(Invariant), Ms(b.P50Ms), Ms(b.P90Ms), Ms(b.P95Ms), Ms(b.P99Ms),
                b.ThroughputPerSecond.ToString("N0", Invariant));
        }

        console.Write(latency);
        foreach (var skipped in perf.Skipped)
        {
            console.MarkupLine($"[yellow]skipped batch {skipped.BatchSize.ToString(Invariant)}[/]: {Markup.Escape(skipped.Reason)}");
        }

        var size = new Table().Border(TableBorder.Rounded).Title("[bold]Size and memory[/]").HideHeaders().AddColumn("k").AddColumn("v");
        size.AddRow("Session creation", Ms(perf.SessionCreationMs) + " ms");
        size.AddRow("Model on disk", Bytes(perf.ModelBytes));
        size.AddRow("Gzip-compressed", $"{Bytes(perf.GzipBytes)} ({(perf.ModelBytes == 0 ? 0 : (double)perf.GzipBytes / perf.ModelBytes).ToString("P1", Invariant)})");
        if (perf.Memory is { } memory)
        {
            size.AddRow("Peak RSS (fresh process)", $"{Bytes(memory.PeakBytes)} (model adds {Bytes(memory.ModelPeakBytes)} over the runtime's {Bytes(memory.BaselinePeakBytes)})");
        }
        else
        {
            size.AddRow("Peak RSS", "not measured");
        }

        console.Write(size);
    }

    private static void RenderEvaluation(IAnsiConsole console, EvaluationResult evaluation)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]Quality[/] — {evaluation.SampleCount.ToString(Invariant)} rows, output '{Markup.Escape(evaluation.ScoreOutput)}'")
            .HideHeaders().AddColumn("k").AddColumn("v");
        if (evaluation.Classification is { } c)
        {
            table.AddRow("Accuracy", P(c.Accuracy));
            table.AddRow("Macro P / R / F1", $"{P(c.MacroAverage.Precision)} / {P(c.MacroAverage.Recall)} / {P(c.MacroAverage.F1)}");
            table.AddRow("Weighted F1", P(c.WeightedAverage.F1));
            table.AddRow("AUC-ROC", c.Auc.Value is { } auc ? $"{auc.ToString("F4", Invariant)} ({c.Auc.Method})" : Markup.Escape($"undefined: {c.Auc.UndefinedReason}"));
            table.AddRow("Log loss", c.LogLoss.ToString("F4", Invariant));
            foreach (var k in c.TopK)
            {
                table.AddRow($"Top-{k.K.ToString(Invariant)} accuracy", P(k.Accuracy));
            }

            table.AddRow("Scores", Markup.Escape($"{c.ScoreKind.Kind} ({c.ScoreKind.Source}: {c.ScoreKind.Reason})"));
        }

        if (evaluation.Regression is { } r)
        {
            table.AddRow("MAE", r.MeanAbsoluteError.ToString("G6", Invariant));
            table.AddRow("RMSE", r.RootMeanSquaredError.ToString("G6", Invariant));
            table.AddRow("R²", r.RSquared?.ToString("F4", Invariant) ?? "undefined");
        }

        if (evaluation.Fidelity is { } f)
        {
            table.AddRow("Top-1 agreement", P(f.Top1Agreement));
            table.AddRow("Mean cosine", f.MeanCosineSimilarity.ToString("F6", Invariant));
            table.AddRow("Max |diff|", f.MaxAbsoluteDifference.ToString("G4", Invariant));
        }

        console.Write(table);

        if (evaluation.Classification is { ConfusionMatrix.Length: > 0 } report)
        {
            RenderConfusion(console, report);
        }
    }

    private static void RenderConfusion(IAnsiConsole console, ClassificationReport report)
    {
        var names = report.PerClass.Select(c => c.Name ?? c.ClassIndex.ToString(Invariant)).ToList();
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Per class[/] (rows: true, columns: predicted)").AddColumn("Class");
        foreach (var name in names)
        {
            table.AddColumn(new TableColumn(Markup.Escape(name)).RightAligned());
        }

        table.AddColumn(new TableColumn("Precision").RightAligned()).AddColumn(new TableColumn("Recall").RightAligned())
            .AddColumn(new TableColumn("F1").RightAligned()).AddColumn(new TableColumn("Support").RightAligned());
        for (var i = 0; i < names.Count; i++)
        {
            var row = new List<string> { Markup.Escape(names[i]) };
            row.AddRange(report.ConfusionMatrix[i].Select(v => v.ToString(Invariant)));
            var m = report.PerClass[i];
            row.Add(m.Precision.ToString("F4", Invariant));
            row.Add(m.Recall.ToString("F4", Invariant));
            row.Add(m.F1.ToString("F4", Invariant));
            row.Add(m.Support.ToString(Invariant));
            table.AddRow(row.ToArray());
        }

        console.Write(table);
    }

    private static string P(double value) => value.ToString("P2", Invariant);

    private static string Ms(double value) => value.ToString(value < 10 ? "F3" : "F1", Invariant);

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("F2", Invariant) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("F2", Invariant) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("F1", Invariant) + " KiB",
        _ => bytes.ToString(Invariant) + " B",
    };
}
