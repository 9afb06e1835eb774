using System.Globalization;
using System.Text;
using static FunctionsOpt.Orchestration.Reporting.ReportFormat;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>
/// A short markdown summary for a CI pull-request comment: verdict line, headline table, constraints, the top Pareto
/// points and links to the report, the optimized model and the trials, relative to the run's folder where
/// <c>summary.md</c> is written (so they work in the folder, in an uploaded artifact and in a pull-request comment
/// that is posted with its files). Table cells are markdown-escaped. Pure.
/// </summary>
public static class MarkdownSummary
{
    /// <summary>Pareto points listed.</summary>
    public const int TopPoints = 5;

    /// <summary>The summary.</summary>
    public static string Render(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var h = report.Headline;
        var md = new StringBuilder();
        md.Append("## FunctionsOpt: ").Append(Markdown(report.Model?.Name ?? report.RunId)).Append('\n').Append('\n');
        var verdict = h.BestTrialId is null
            ? "⚪ No candidate chosen; the unmodified model stands."
            : h.ConstraintsMet
                ? $"✅ Constraint met by `{h.BestTrialId}` ({(h.Passes.Count == 0 ? "no passes" : string.Join(" → ", h.Passes))})."
                : $"❌ Constraint not met; `{h.BestTrialId}` is the best effort ({(h.Passes.Count == 0 ? "no passes" : string.Join(" → ", h.Passes))}).";
        md.Append(Markdown(verdict).Replace("\\`", "`", StringComparison.Ordinal)).Append('\n').Append('\n');
        if (report.Verdict is { } timed)
        {
            md.Append("**Verdict:** ").Append(Markdown(timed.Headline)).Append(timed.KeepsOriginal ? " — the original model is recommended." : ".")
                .Append(CultureInfo.InvariantCulture, $" Finalists re-timed against the original, interleaved, {timed.Rounds} rounds, {timed.Confidence:P0} intervals.\n\n");
            foreach (var reason in timed.Reasons)
            {
                md.Append("- ").Append(Markdown(reason)).Append('\n');
            }

            md.Append('\n');
        }

        md.Append(CultureInfo.InvariantCulture, $"Run `{Markdown(report.RunId)}` · {Markdown(report.Status.ToString())} · objective: {Markdown(report.Objective.Goal)} `{Markdown(report.Objective.Metric)}` · best effort: {(h.BestEffort ? "yes" : "no")}\n\n");
        md.Append("| metric | baseline | best | change |\n|---|---:|---:|---:|\n");
        foreach (var row in h.Rows.Where(r => r.Baseline is not null || r.Best is not null))
        {
            md.Append("| ").Append(Markdown(row.Label)).Append(" | ").Append(Markdown(Value(row.Baseline, row.Unit))).Append(" | ")
                .Append(Markdown(Value(row.Best, row.Unit))).Append(" | ").Append(Markdown(Change(row))).Append(" |\n");
        }

        if (h.Constraints.Count > 0)
        {
            md.Append("\n**Constraints**\n\n");
            foreach (var c in h.Constraints)
            {
                md.Append("- ").Append(c.Met ? "met" : "missed").Append(": ").Append(Markdown(c.Constraint))
                    .Append(CultureInfo.InvariantCulture, $" (value {Number(c.Value)}, bar {Number(c.Bar)}, {Markdown(c.Verdict)}, n={c.SampleCount})\n");
            }
        }

        var front = report.Pareto.Points.Where(p => !p.Dominated).OrderBy(p => p.X).Take(TopPoints).ToArray();
        if (front.Length > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n**Top Pareto points** (non-dominated on latency, {Markdown(report.Pareto.YMetric)} and size)\n\n");
            md.Append("| trial | passes | ").Append(Markdown(report.Pareto.XMetric)).Append(" | ").Append(Markdown(report.Pareto.YMetric)).Append(" | size | chosen |\n|---|---|---:|---:|---:|---|\n");
            foreach (var p in front)
            {
                md.Append("| ").Append(Markdown(p.TrialId)).Append(" | ").Append(Markdown(p.Passes.Count == 0 ? "none" : string.Join(" + ", p.Passes))).Append(" | ")
                    .Append(Number(p.X)).Append(" | ").Append(Number(p.Y)).Append(" | ").Append(Bytes(p.Size)).Append(" | ").Append(p.Chosen ? "yes" : string.Empty).Append(" |\n");
            }
        }

        md.Append(CultureInfo.InvariantCulture, $"\n{report.Trials.Count} trial(s), {report.Failures.Count} failed or invalid.\n");
        md.Append("\n[Full report](report.html) · ");
        if (h.BestTrialId is not null)
        {
            md.Append("[Optimized model](best/model.onnx) · ");
        }

        md.Append("[Trials (CSV)](trials.csv)\n");
        return md.ToString();
    }
}
