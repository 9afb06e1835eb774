using System.Globalization;
using System.Text;
using FunctionsOpt.Core.Search.Objectives;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>
/// <c>trials.csv</c>: one row per trial and rung (a promoted configuration has one row per rung it ran at, and each
/// final re-evaluation has its own row), flat columns, RFC 4180 quoting, invariant culture, LF line ends. Columns:
/// <see cref="LeadingColumns"/>, then one column per configuration parameter (<c>pass.enabled</c> and each pass
/// parameter; union over the run, ordinal order), then the standard metrics at the objective's batch size, any other
/// metric (ordinal), then <see cref="TrailingColumns"/>. A cell is empty where a trial lacks the value. Pure.
/// </summary>
public static class TrialsCsv
{
    /// <summary>The identifying and outcome columns, first.</summary>
    public static IReadOnlyList<string> LeadingColumns { get; } =
        ["trialId", "phase", "bracket", "rung", "resource", "promotedFrom", "status", "errorCode", "error", "passes"];

    /// <summary>Provider, candidate and duration columns, last.</summary>
    public static IReadOnlyList<string> TrailingColumns { get; } =
        ["providerRequested", "providerUsed", "fallbackReason", "candidateHash", "buildSeconds", "evaluateSeconds"];

    /// <summary>The standard metric columns at <paramref name="batchSize"/>.</summary>
    public static IReadOnlyList<string> StandardMetrics(int batchSize) =>
    [
        MetricNames.Accuracy, MetricNames.F1Macro, MetricNames.Auc, MetricNames.FidelityTop1,
        MetricNames.LatencyP50Ms(batchSize), MetricNames.LatencyP95Ms(batchSize), MetricNames.Throughput(batchSize),
        MetricNames.SizeBytes, MetricNames.CompressedSizeBytes, MetricNames.PeakMemoryBytes,
    ];

    /// <summary>The table for <paramref name="report"/>'s trials, in the report's trial order.</summary>
    public static string Render(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var trials = report.Trials;
        var parameters = trials.SelectMany(t => t.Parameters.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var standard = StandardMetrics(report.Objective.BatchSize);
        var metrics = standard.Concat(trials.SelectMany(t => t.Metrics.Keys).Except(standard, StringComparer.Ordinal).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)).ToArray();
        var text = new StringBuilder();
        AppendRow(text, LeadingColumns.Concat(parameters).Concat(metrics).Concat(TrailingColumns));
        foreach (var t in trials)
        {
            var row = new List<string>
            {
                t.TrialId,
                t.Phase,
                t.Bracket.ToString(CultureInfo.InvariantCulture),
                t.Rung.ToString(CultureInfo.InvariantCulture),
                Number(t.Resource),
                t.PromotedFrom ?? string.Empty,
                t.Status,
                t.ErrorCode ?? string.Empty,
                t.Error ?? string.Empty,
                string.Join('+', t.Passes),
            };
            row.AddRange(parameters.Select(p => t.Parameters.TryGetValue(p, out var v) ? v : string.Empty));
            row.AddRange(metrics.Select(m => t.Metrics.TryGetValue(m, out var v) ? Number(v) : string.Empty));
            row.Add(t.Provider is { } p1 ? ProviderText(p1.Requested) : string.Empty);
            row.Add(t.Provider is { } p2 ? ProviderText(p2.Used) : string.Empty);
            row.Add(t.Provider?.FallbackReason ?? string.Empty);
            row.Add(t.CandidateHash ?? string.Empty);
            row.Add(Number(t.BuildSeconds));
            row.Add(Number(t.EvaluateSeconds));
            AppendRow(text, row);
        }

        return text.ToString();
    }

    /// <summary>RFC 4180 quoting: a field with a comma, quote, CR or LF is quoted and its quotes doubled.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static void AppendRow(StringBuilder text, IEnumerable<string> cells) => text.AppendJoin(',', cells.Select(Quote)).Append('\n');

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string ProviderText(Contracts.ProviderName name) => name switch
    {
        Contracts.ProviderName.Cuda => "cuda",
        Contracts.ProviderName.TensorRT => "tensorrt",
        _ => "cpu",
    };
}
