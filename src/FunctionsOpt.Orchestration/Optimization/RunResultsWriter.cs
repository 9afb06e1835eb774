using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Optimization;

/// <summary>The run's report document (<c>report.json</c>).</summary>
public sealed record RunReport
{
    /// <summary>Schema version of the report.</summary>
    public string SchemaVersion { get; init; } = "1.0";

    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>Terminal status.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Why the search stopped.</summary>
    public string? StopReason { get; init; }

    /// <summary>The unmodified model's metrics.</summary>
    public IReadOnlyDictionary<string, double> Baseline { get; init; } = new Dictionary<string, double>();

    /// <summary>The chosen trial, if any.</summary>
    public TrialResult? Best { get; init; }

    /// <summary>True when the chosen trial does not meet every constraint (the closest one is reported instead).</summary>
    public bool BestEffort { get; init; }

    /// <summary>The constraints as judged on the chosen trial.</summary>
    public IReadOnlyList<string> Constraints { get; init; } = [];

    /// <summary>The full-budget re-evaluations of the top configurations.</summary>
    public IReadOnlyList<TrialResult> Finals { get; init; } = [];

    /// <summary>Trial ids on the Pareto front.</summary>
    public IReadOnlyList<string> ParetoFront { get; init; } = [];

    /// <summary>Search trials run (final re-evaluations excluded).</summary>
    public int SearchTrials { get; init; }

    /// <summary>Passes the search left out, with reasons.</summary>
    public IReadOnlyList<string> ExcludedPasses { get; init; } = [];

    /// <summary>Errors the run met.</summary>
    public IReadOnlyList<RunError> Errors { get; init; } = [];
}

/// <summary>Renders <c>report.json</c> and <c>trials.csv</c>. Pure.</summary>
public static class RunResultsWriter
{
    /// <summary>Prefix of final re-evaluation trial ids.</summary>
    public const string FinalPrefix = "final-";

    private static readonly JsonSerializerOptions Indented = new(JsonDefaults.Options) { WriteIndented = true };

    /// <summary>The report as indented JSON (the engine's JSON conventions).</summary>
    public static string ReportJson(RunReport report) => JsonSerializer.Serialize(report, Indented);

    /// <summary>
    /// One row per trial in record order: <c>trialId,phase,rung,resource,status,passes,configuration,candidateHash,errorCode,error</c>
    /// and then one column per metric (union over trials, ordinal order; empty where a trial lacks it). RFC 4180 quoting.
    /// </summary>
    public static string TrialsCsv(IReadOnlyList<TrialResult> trials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        var metrics = trials.SelectMany(t => t.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var text = new StringBuilder();
        string[] fixedColumns = ["trialId", "phase", "rung", "resource", "status", "passes", "configuration", "candidateHash", "errorCode", "error"];
        text.AppendJoin(',', fixedColumns.Concat(metrics).Select(Quote)).Append('\n');
        foreach (var t in trials)
        {
            var row = new List<string>
            {
                t.TrialId,
                t.TrialId.StartsWith(FinalPrefix, StringComparison.Ordinal) ? "final" : "search",
                t.Rung.ToString(CultureInfo.InvariantCulture),
                t.Resource.ToString("R", CultureInfo.InvariantCulture),
                t.Status.ToString().ToLowerInvariant(),
                string.Join('+', t.Passes),
                t.Configuration,
                t.CandidateHash ?? string.Empty,
                t.Error?.Code ?? string.Empty,
                t.Error?.Message ?? string.Empty,
            };
            row.AddRange(metrics.Select(m => t.Metrics.TryGetValue(m, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty));
            text.AppendJoin(',', row.Select(Quote)).Append('\n');
        }

        return text.ToString();
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
