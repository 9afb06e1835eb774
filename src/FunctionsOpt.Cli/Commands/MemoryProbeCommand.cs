using System.ComponentModel;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary>
/// The child side of peak-memory measurement. It prints one JSON line and nothing else, because the parent reads
/// the last line of standard output.
/// </summary>
internal sealed class MemoryProbeCommand : Command<MemoryProbeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<model>")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--provider <PROVIDER>")]
        [DefaultValue("cpu")]
        public string Provider { get; init; } = "cpu";

        [CommandOption("--threads <N>")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        [CommandOption("--optimization <LEVEL>")]
        [DefaultValue("all")]
        public string Optimization { get; init; } = "all";

        [CommandOption("--batch-size <N>")]
        [DefaultValue(1)]
        public int BatchSize { get; init; } = 1;

        [CommandOption("--dim <NAME=SIZE>")]
        public string[]? Dimensions { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var sessionSettings = CliParsing.Session(settings.Provider, allowFallback: false, settings.Threads, settings.Optimization);
        try
        {
            var reading = PeakMemoryWorker.Run(settings.Model, sessionSettings, settings.BatchSize, new InferenceSessionFactory(), CliParsing.Dimensions(settings.Dimensions));
            Console.Out.WriteLine(PeakMemoryWorker.ToJson(reading));
            return 0;
        }
        catch (FunctionsOptException ex)
        {
            // The parent reads standard error into its own typed error; standard output stays for the reading only.
            Console.Error.WriteLine($"{ex.ErrorCode}: {ex.Message}");
            return PeakMemoryWorker.UserErrorExitCode;
        }
    }
}
