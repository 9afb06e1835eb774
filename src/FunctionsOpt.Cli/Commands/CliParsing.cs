using System.Globalization;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Cli.Commands;

/// <summary>Parses the CLI's option spellings into core settings, with errors that list the valid values.</summary>
internal static class CliParsing
{
    public static SessionSettings Session(string provider, bool allowFallback, int threads, string optimization)
    {
        if (!ExecutionProviderNames.TryParse(provider, out var parsed))
        {
            throw new CliUsageException($"Unknown provider '{provider}'. Use cpu, cuda or tensorrt.");
        }

        var level = optimization.Trim().ToUpperInvariant() switch
        {
            "DISABLED" or "NONE" => GraphOptimization.Disabled,
            "BASIC" => GraphOptimization.Basic,
            "EXTENDED" => GraphOptimization.Extended,
            "ALL" => GraphOptimization.All,
            _ => throw new CliUsageException($"Unknown optimization level '{optimization}'. Use disabled, basic, extended or all."),
        };
        if (threads < 0)
        {
            throw new CliUsageException("--threads must be 0 (ONNX Runtime default) or more.");
        }

        return new SessionSettings { Provider = parsed, AllowCpuFallback = allowFallback, IntraOpThreads = threads, OptimizationLevel = level };
    }

    public static IReadOnlyList<int> IntList(string text, string option)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 1)
            {
                throw new CliUsageException($"{option} takes positive integers separated by commas (e.g. 1,8,64); '{part}' is not one.");
            }

            values.Add(v);
        }

        if (values.Count == 0)
        {
            throw new CliUsageException($"{option} needs at least one value.");
        }

        return values;
    }

    /// <summary>Parses repeated <c>--dim NAME=SIZE</c> values into sizes by dimension name; null when none were given.</summary>
    public static IReadOnlyDictionary<string, long>? Dimensions(IReadOnlyList<string>? values)
    {
        if (values is not { Count: > 0 })
        {
            return null;
        }

        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? value[..equals].Trim() : string.Empty;
            if (name.Length == 0 || !long.TryParse(value[(equals + 1)..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) || size < 1)
            {
                throw new CliUsageException($"--dim takes NAME=SIZE with a positive integer size, e.g. --dim seq=128; '{value}' is not one.");
            }

            if (!result.TryAdd(name, size))
            {
                throw new CliUsageException($"--dim gives '{name}' twice; give each dimension once.");
            }
        }

        return result;
    }

    public static ScoreKind ScoreKind(string text) => text.Trim().ToUpperInvariant() switch
    {
        "AUTO" => Core.Evaluation.Metrics.ScoreKind.Auto,
        "PROBABILITIES" or "PROBS" => Core.Evaluation.Metrics.ScoreKind.Probabilities,
        "LOGITS" => Core.Evaluation.Metrics.ScoreKind.Logits,
        _ => throw new CliUsageException($"Unknown score kind '{text}'. Use auto, probabilities or logits."),
    };

    public static EvaluationTask Task(string text) => text.Trim().ToUpperInvariant() switch
    {
        "CLASSIFICATION" => EvaluationTask.Classification,
        "REGRESSION" => EvaluationTask.Regression,
        "FIDELITY" => EvaluationTask.FidelityOnly,
        _ => throw new CliUsageException($"Unknown task '{text}'. Use classification, regression or fidelity."),
    };
}

/// <summary>A command-line value that cannot be used; the message lists the valid values.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
