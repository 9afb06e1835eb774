using System.ComponentModel;
using System.Text;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary>
/// <c>fopt report</c>: renders a run's report (HTML, JSON or a markdown summary) from its state.json, offline, or
/// from the report.json a running service serves (<c>--url</c>).
/// </summary>
internal sealed class ReportCommand : AsyncCommand<ReportCommand.Settings>
{
    public sealed class Settings : ServiceSettings
    {
        [CommandArgument(0, "<run>")]
        [Description("A run folder (fopt-out/runs/{runId}) or its state.json; with --url (or FOPT_URL and no such file), the run id on the service.")]
        public string Run { get; init; } = string.Empty;

        [CommandOption("--format <FORMAT>")]
        [Description("html, json or md (a markdown summary for a pull-request comment).")]
        [DefaultValue("html")]
        public string Format { get; init; } = "html";

        [CommandOption("--out <FILE>")]
        [Description("Write to FILE instead of standard output.")]
        public string? Out { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var remote = settings.Url is not null
            || (!Path.Exists(settings.Run) && Environment.GetEnvironmentVariable(ServiceSettings.UrlVariable) is not null);
        string text;
        if (remote)
        {
            using var service = settings.CreateClient();
            text = Render(ReadReport(await service.ReportJsonAsync(settings.Run, cancellationToken)), settings.Format);
        }
        else
        {
            text = Render(ReadState(settings.Run), settings.Format);
        }

        if (settings.Out is { } file)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            await File.WriteAllTextAsync(file, text, new UTF8Encoding(false), cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"Wrote {file}");
        }
        else
        {
            using var stdout = Console.OpenStandardOutput();
            var bytes = new UTF8Encoding(false).GetBytes(text);
            await stdout.WriteAsync(bytes, cancellationToken);
        }

        return 0;
    }

    /// <summary>The rendering of <paramref name="state"/> in <paramref name="format"/>.</summary>
    internal static string Render(RunState state, string format) => Render(ReportModelBuilder.Build(state), format);

    /// <summary>The rendering of <paramref name="report"/> in <paramref name="format"/>.</summary>
    internal static string Render(ReportModel report, string format)
    {
        return format.Trim().ToUpperInvariant() switch
        {
            "HTML" => HtmlReport.Render(report),
            "JSON" => ReportJson.Serialize(report),
            "MD" or "MARKDOWN" => MarkdownSummary.Render(report),
            _ => throw new CliUsageException($"Unknown format '{format}'. Use html, json or md."),
        };
    }

    /// <summary>A report.json served by the API.</summary>
    internal static ReportModel ReadReport(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ReportModel>(json, JsonDefaults.Options)
                ?? throw new CliUsageException("The service answered with an empty report.");
        }
        catch (JsonException ex)
        {
            throw new CliUsageException($"The service's report is not a report.json this fopt can read (schema {ReportModel.CurrentSchemaVersion}): {ex.Message}");
        }
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
