using System.ComponentModel;
using System.Text;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary><c>fopt report</c>: renders a run's report (HTML, JSON or a markdown summary) from its state.json, offline.</summary>
internal sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<run>")]
        [Description("A run folder (fopt-out/runs/{runId}) or its state.json.")]
        public string Run { get; init; } = string.Empty;

        [CommandOption("--format <FORMAT>")]
        [Description("html, json or md (a markdown summary for a pull-request comment).")]
        [DefaultValue("html")]
        public string Format { get; init; } = "html";

        [CommandOption("--out <FILE>")]
        [Description("Write to FILE instead of standard output.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = Render(ReadState(settings.Run), settings.Format);
        if (settings.Out is { } file)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllText(file, text, new UTF8Encoding(false));
            AnsiConsole.MarkupLineInterpolated($"Wrote {file}");
        }
        else
        {
            using var stdout = Console.OpenStandardOutput();
            var bytes = new UTF8Encoding(false).GetBytes(text);
            stdout.Write(bytes);
        }

        return 0;
    }

    /// <summary>The rendering of <paramref name="state"/> in <paramref name="format"/>.</summary>
    internal static string Render(RunState state, string format)
    {
        var report = ReportModelBuilder.Build(state);
        return format.Trim().ToUpperInvariant() switch
        {
            "HTML" => HtmlReport.Render(report),
            "JSON" => ReportJson.Serialize(report),
            "MD" or "MARKDOWN" => MarkdownSummary.Render(report),
            _ => throw new CliUsageException($"Unknown format '{format}'. Use html, json or md."),
        };
    }

    /// <summary>Reads <c>state.json</c> from a run folder or the file itself.</summary>
    internal static RunState ReadState(string run)
    {
        var path = Directory.Exists(run) ? Path.Combine(run, "state.json") : run;
        if (!File.Exists(path))
        {
            throw new CliUsageException($"'{run}' is neither a run folder with a state.json nor a state.json file.");
        }

        try
        {
            return JsonSerializer.Deserialize<RunState>(File.ReadAllText(path), JsonDefaults.Options)
                ?? throw new CliUsageException($"'{path}' holds no state record.");
        }
        catch (JsonException ex)
        {
            throw new CliUsageException($"'{path}' is not a run state record: {ex.Message}");
        }
    }
}
