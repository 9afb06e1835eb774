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

    /// <summary>
    /// A fraction in (0, 1) written as one (<c>0.01</c>) or as a percentage (<c>1%</c>). A bare number of 1 or more
    /// is refused rather than read as a percentage: <c>5</c> may mean 5% or a typo, and a wrong bar silently changes
    /// what the run accepts.
    /// </summary>
    public static double Fraction(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var percent = trimmed.EndsWith('%');
        var number = percent ? trimmed[..^1].Trim() : trimmed;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new CliUsageException($"{option} takes a fraction in (0, 1) such as 0.01, or a percentage such as 1%; '{text}' is not a number.");
        }

        var fraction = percent ? value / 100 : value;
        if (fraction is <= 0 or >= 1)
        {
            var hint = !percent && value is >= 1 and < 100 ? string.Create(CultureInfo.InvariantCulture, $" (for {value}% write {value}% or {value / 100})") : string.Empty;
            throw new CliUsageException($"{option} takes a fraction in (0, 1) such as 0.01, or a percentage such as 1%; '{text}' is out of range{hint}.");
        }

        return fraction;
    }

    /// <summary>
    /// The comma-separated pass names of <c>--passes</c>, each checked against the pass catalogue before anything
    /// starts (a misspelt pass would otherwise fail the run after its engine and baseline were set up).
    /// </summary>
    public static IReadOnlyList<string> PassNames(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var valid = new Core.Passes.Pipeline.DefaultPassCatalogue().Passes.Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        var unknown = names.Where(n => !valid.Contains(n, StringComparer.Ordinal)).ToArray();
        if (unknown.Length > 0)
        {
            throw new CliUsageException($"Unknown pass{(unknown.Length > 1 ? "es" : string.Empty)} {string.Join(", ", unknown.Select(u => $"'{u}'"))} in --passes. Valid passes: {string.Join(", ", valid)} (or 'all').");
        }

        if (names.Length == 0)
        {
            throw new CliUsageException($"--passes needs at least one pass. Valid passes: {string.Join(", ", valid)} (or 'all').");
        }

        return names;
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
