using System.ComponentModel;
using System.Text.Json;
using FunctionsOpt.Cli.Rendering;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Serialization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary><c>fopt inspect</c>: validation plus the model's anatomy.</summary>
internal sealed class InspectCommand : Command<InspectCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<model>")]
        [Description("Path to the .onnx file.")]
        public string Model { get; init; } = string.Empty;

        [CommandOption("--json <FILE>")]
        [Description("Also write the inspection as JSON to FILE.")]
        public string? Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var validator = new OnnxModelValidator(new OnnxModelInspector(), new InferenceSessionFactory());
        var inspection = validator.Validate(settings.Model);
        ReportRenderer.RenderInspection(AnsiConsole.Console, inspection);
        if (settings.Json is not null)
        {
            File.WriteAllText(settings.Json, JsonSerializer.Serialize(inspection, JsonDefaults.Options));
            AnsiConsole.MarkupLine($"[grey]Wrote {Markup.Escape(settings.Json)}[/]");
        }

        return 0;
    }
}
