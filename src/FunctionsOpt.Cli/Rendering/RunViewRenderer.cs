using System.Globalization;
using FunctionsOpt.Cli.Commands;
using FunctionsOpt.Orchestration.Api;
using Spectre.Console;

namespace FunctionsOpt.Cli.Rendering;

/// <summary>Terminal tables for runs served by the HTTP API.</summary>
internal static class RunViewRenderer
{
    public static void Render(IAnsiConsole console, RunView view, ServiceClient service)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(view.RunId)}[/]").HideHeaders()
            .AddColumn(new TableColumn("k").NoWrap()).AddColumn("v");
        table.AddRow("Status", Markup.Escape(view.Status.ToString()) + (view.RuntimeStatus is { } runtime ? $" [grey](orchestration {Markup.Escape(runtime)})[/]" : string.Empty));
        if (view.Progress is { } progress)
        {
            table.AddRow("Progress", Markup.Escape(RunProgressText.Describe(progress)));
        }

        table.AddRow("Created", Time(view.CreatedAt));
        table.AddRow("Updated", Time(view.LastUpdatedAt));
        table.AddRow("Ended", Time(view.CompletedAt));
        table.AddRow("Trials recorded", view.TrialsRecorded.ToString(CultureInfo.InvariantCulture));
        if (view.Best is { } best)
        {
            var passes = best.Passes.Count == 0 ? "none (the unmodified model)" : string.Join(" + ", best.Passes);
            table.AddRow("Best", Markup.Escape($"{best.TrialId}: {passes}"));
        }

        foreach (var error in view.Errors)
        {
            table.AddRow("[red]Error[/]", Markup.Escape($"{error.Code}: {error.Message}"));
        }

        foreach (var (name, path) in view.Artifacts.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(path));
        }

        table.AddRow("Status link", Markup.Escape(service.Absolute(view.Links.Status).ToString()));
        table.AddRow("Report link", Markup.Escape(service.Absolute(view.Links.Report).ToString()));
        console.Write(table);
    }

    public static void RenderList(IAnsiConsole console, IReadOnlyList<RunListItem> runs, bool truncated)
    {
        if (runs.Count == 0)
        {
            console.MarkupLine("No runs.");
            return;
        }

        // Sized for an 80-column terminal so ids and statuses never wrap (they are copied into the next command);
        // only the progress text does. Newest first.
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Run").NoWrap()).AddColumn(new TableColumn("Status").NoWrap())
            .AddColumn(new TableColumn("Updated (UTC)").NoWrap()).AddColumn("Progress");
        foreach (var run in runs.OrderByDescending(r => r.CreatedAt))
        {
            table.AddRow(
                Markup.Escape(run.RunId),
                Markup.Escape(run.Status.ToString()),
                run.LastUpdatedAt.ToUniversalTime().ToString("MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                Markup.Escape(run.Progress is { } p ? RunProgressText.Describe(p) : "-"));
        }

        console.Write(table);
        console.MarkupLineInterpolated($"{runs.Count} run(s){(truncated ? "; more exist (the listing stopped after 100 pages)" : string.Empty)}.");
    }

    private static string Time(DateTimeOffset? at) => at is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";
}
