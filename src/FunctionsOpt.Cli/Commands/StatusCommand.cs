using System.ComponentModel;
using FunctionsOpt.Cli.Rendering;
using FunctionsOpt.Orchestration.Api;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary><c>fopt status</c>: one run's status from a running service, or the list of its runs.</summary>
internal sealed class StatusCommand : AsyncCommand<StatusCommand.Settings>
{
    // Pages followed before the listing stops, so a huge task hub cannot keep the command busy for minutes.
    private const int MaxPages = 100;

    public sealed class Settings : ServiceSettings
    {
        [CommandArgument(0, "[runId]")]
        [Description("The run to show; without it, every run is listed.")]
        public string? RunId { get; init; }

        [CommandOption("--status <STATUS>")]
        [Description("List only runs with this status (Pending, Searching, Completed, Failed, Cancelled...).")]
        public string? Status { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var service = settings.CreateClient();
        if (settings.RunId is { } runId)
        {
            if (settings.Status is not null)
            {
                throw new CliUsageException("--status filters the list of runs; leave it out when naming one run.");
            }

            RunViewRenderer.Render(AnsiConsole.Console, await service.GetAsync(runId, cancellationToken), service);
            return 0;
        }

        var runs = new List<RunListItem>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await service.ListAsync(settings.Status, token, cancellationToken);
            runs.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null && ++pages < MaxPages);

        RunViewRenderer.RenderList(AnsiConsole.Console, runs, truncated: token is not null);
        return 0;
    }
}
