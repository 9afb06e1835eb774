using System.Reflection;
using FunctionsOpt.Core.Errors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary>Turns failures into one readable line and a stable exit code: 2 for user errors, 1 for bugs.</summary>
internal static class ErrorReporter
{
    public const int UserError = 2;
    public const int InternalError = 1;

    public static int Report(Exception exception) => Report(exception, []);

    /// <summary>
    /// Reports <paramref name="exception"/>; <paramref name="args"/> (the command line) lets a parse error name the
    /// options the command does take.
    /// </summary>
    public static int Report(Exception exception, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (exception)
        {
            case FunctionsOptException known:
                AnsiConsole.MarkupLine($"[red]error[/] [grey]({Markup.Escape(known.ErrorCode)})[/]: {Markup.Escape(known.Message)}");
                if (known is InvalidEvaluationDataException { Problems.Count: > 1 } data)
                {
                    foreach (var dataProblem in data.Problems)
                    {
                        AnsiConsole.MarkupLine($"  - {Markup.Escape(dataProblem)}");
                    }
                }

                return UserError;
            case ServiceProblemException service:
                var problem = service.Problem;
                AnsiConsole.MarkupLine($"[red]error[/] [grey]({Markup.Escape(problem.Code)}, HTTP {problem.Status})[/]: {Markup.Escape(problem.Title)}");
                AnsiConsole.MarkupLine($"  {Markup.Escape(problem.Detail)}");
                foreach (var item in problem.Errors ?? [])
                {
                    AnsiConsole.MarkupLine($"  - {Markup.Escape(item.Path)}: {Markup.Escape(item.Message)} [grey](fix: {Markup.Escape(item.Fix)})[/]");
                }

                return problem.Status >= 500 ? InternalError : UserError;
            case HttpRequestException unreachable:
                AnsiConsole.MarkupLine($"[red]error[/]: the service cannot be reached ({Markup.Escape(unreachable.Message)}). Is it running (fopt serve), and is --url (or FOPT_URL) its address?");
                return UserError;
            case Microsoft.ML.OnnxRuntime.OnnxRuntimeException runtime:
                // ONNX Runtime refusing to run a model (an impossible shape, an allocation that cannot succeed) is a
                // problem with the model or its inputs, reported under the documented code, not as a crash.
                AnsiConsole.MarkupLine($"[red]error[/] [grey](runtime-error)[/]: ONNX Runtime could not run the model: {Markup.Escape(runtime.Message)}");
                return UserError;
            case CliUsageException usage:
                AnsiConsole.MarkupLine($"[red]error[/]: {Markup.Escape(usage.Message)}");
                return UserError;
            case { } parse when parse.GetType().Namespace == "Spectre.Console.Cli":
                AnsiConsole.MarkupLine($"[red]error[/]: {Markup.Escape(parse.Message)}");
                if (args.Count > 0 && OptionsOf(args[0]) is { Length: > 0 } options)
                {
                    AnsiConsole.MarkupLine($"  valid options for 'fopt {Markup.Escape(args[0])}': {Markup.Escape(string.Join(", ", options))} (see fopt {Markup.Escape(args[0])} --help)");
                }

                return UserError;
            default:
                AnsiConsole.MarkupLine($"[red]internal error[/]: {Markup.Escape(exception.ToString())}");
                return InternalError;
        }
    }

    /// <summary>The long options of the command <paramref name="command"/> (<c>optimize</c> → <c>OptimizeCommand.Settings</c>), or null.</summary>
    private static string[]? OptionsOf(string command)
    {
        var type = typeof(ErrorReporter).Assembly.GetTypes().FirstOrDefault(t =>
            string.Equals(t.Name, command + "Command", StringComparison.OrdinalIgnoreCase) && t.Namespace == typeof(ErrorReporter).Namespace);
        var settings = type?.GetNestedType("Settings");
        return settings?.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => p.GetCustomAttribute<CommandOptionAttribute>()?.LongNames ?? [])
            .Select(n => "--" + n)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }
}
