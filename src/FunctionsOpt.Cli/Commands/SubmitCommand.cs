using System.ComponentModel;
using FunctionsOpt.Cli.Rendering;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary><c>fopt submit</c>: posts a spec to a running service and prints the run's id and links; optionally waits for the end.</summary>
internal sealed class SubmitCommand : AsyncCommand<SubmitCommand.Settings>
{
    public sealed class Settings : ServiceSettings
    {
        [CommandArgument(0, "<spec>")]
        [Description("The optimization spec (JSON) naming the model and data blobs in the service's 'models' container.")]
        public string Spec { get; init; } = string.Empty;

        [CommandOption("--wait")]
        [Description("Follow the run with a live progress line until it ends; exit 0 only when it completes.")]
        public bool Wait { get; init; }

        [CommandOption("--poll-interval <SECONDS>")]
        [Description("Seconds between two status requests while waiting.")]
        [DefaultValue(2.0)]
        public double PollInterval { get; init; } = 2.0;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!File.Exists(settings.Spec))
        {
            throw new CliUsageException($"'{settings.Spec}' does not exist; pass the spec's JSON file.");
        }

        if (settings.PollInterval is <= 0 or > 3600)
        {
            throw new CliUsageException("--poll-interval takes seconds between 0 and 3600.");
        }

        using var service = settings.CreateClient();
        var accepted = await service.StartAsync(await File.ReadAllTextAsync(settings.Spec, cancellationToken), cancellationToken);
        if (accepted.Started)
        {
            AnsiConsole.MarkupLineInterpolated($"Run [bold]{accepted.RunId}[/] started.");
        }
        else
        {
            AnsiConsole.MarkupLineInterpolated($"Run [bold]{accepted.RunId}[/] already exists ({accepted.Status}); the same spec starts nothing new.");
        }

        AnsiConsole.MarkupLineInterpolated($"  status: {service.Absolute(accepted.Links.Status)}");
        AnsiConsole.MarkupLineInterpolated($"  cancel: POST {service.Absolute(accepted.Links.Cancel)}");
        AnsiConsole.MarkupLineInterpolated($"  report: {service.Absolute(accepted.Links.Report)}");
        if (!settings.Wait)
        {
            return 0;
        }

        var view = await WaitAsync(service, accepted.RunId, TimeSpan.FromSeconds(settings.PollInterval), cancellationToken);
        RunViewRenderer.Render(AnsiConsole.Console, view, service);
        return view.Status == RunStatus.Completed ? 0 : ErrorReporter.InternalError;
    }

    private static async Task<RunView> WaitAsync(ServiceClient service, string runId, TimeSpan interval, CancellationToken cancellationToken)
    {
        RunView view = null!;
        await AnsiConsole.Status().StartAsync("Waiting for the run...", async status =>
        {
            while (true)
            {
                view = await service.GetAsync(runId, cancellationToken);
                if (view.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled)
                {
                    return;
                }

                status.Status(view.Progress is { } progress ? RunProgressText.Describe(progress) : view.Status.ToString());
                await Task.Delay(interval, cancellationToken);
            }
        });
        return view;
    }
}
