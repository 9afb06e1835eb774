using FunctionsOpt.Core.Errors;
using Spectre.Console;

namespace FunctionsOpt.Cli.Commands;

/// <summary>Turns failures into one readable line and a stable exit code: 2 for user errors, 1 for bugs.</summary>
internal static class ErrorReporter
{
    public const int UserError = 2;
    public const int InternalError = 1;

    public static int Report(Exception exception)
    {
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
                return UserError;
            default:
                AnsiConsole.MarkupLine($"[red]internal error[/]: {Markup.Escape(exception.ToString())}");
                return InternalError;
        }
    }
}
