using System.Globalization;
using System.Text;
using FunctionsOpt.Core.Search.Objectives;
using static FunctionsOpt.Orchestration.Reporting.ReportFormat;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>
/// <c>report.html</c>: one self-contained file (inline CSS, inline SVG charts from <see cref="SvgCharts"/>, a few lines
/// of inline script to sort the trial table; no external reference of any kind, so it opens offline and from a blob).
/// Sections: headline, Pareto scatter, Hyperband view, per-pass effects, serving curve, trial table, environment,
/// failed trials. Every user-provided text (model and pass names, parameters, error messages) is HTML-escaped. Pure.
/// </summary>
public static class HtmlReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f9fafb;color:#111827}
        main{max-width:1320px;margin:0 auto;padding:24px}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
        .sub{color:#4b5563;font-size:13px}
        .banner{padding:10px 14px;border-radius:8px;margin:14px 0;font-weight:600}
        .banner.met{background:#dcfce7;color:#14532d}.banner.missed{background:#fee2e2;color:#7f1d1d}.banner.none{background:#e5e7eb}
        .badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;margin-left:6px;background:#fde68a;color:#78350f}
        table{border-collapse:collapse;background:#fff;font-size:13px}
        th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f3f4f6}
        table.sortable th{cursor:pointer;user-select:none}
        table.sortable th[aria-sort=ascending]::after{content:" ▲"}table.sortable th[aria-sort=descending]::after{content:" ▼"}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        .better{color:#15803d;font-weight:600}.worse{color:#b91c1c;font-weight:600}
        .grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px}
        .card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;overflow-x:auto}
        .wide{overflow-x:auto}
        tr.failed td,tr.invalid td{background:#fff7ed}
        code{font-size:12px;word-break:break-all}
        .note{color:#4b5563;font-size:12px;max-width:900px}
        """;

    private const string Script = """
        document.querySelectorAll('table.sortable').forEach(function (table) {
          table.querySelectorAll('th').forEach(function (th, index) {
            th.addEventListener('click', function () {
              var ascending = th.getAttribute('aria-sort') !== 'ascending';
              table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
              th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
              var body = table.tBodies[0];
              var rows = Array.prototype.slice.call(body.rows);
              rows.sort(function (a, b) {
                var x = a.cells[index].getAttribute('data-v'), y = b.cells[index].getAttribute('data-v');
                if (x === null) { x = a.cells[index].textContent; }
                if (y === null) { y = b.cells[index].textContent; }
                var nx = parseFloat(x), ny = parseFloat(y);
                var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : (isNaN(nx) === isNaN(ny) ? x.localeCompare(y) : (isNaN(nx) ? 1 : -1));
                return ascending ? c : -c;
              });
              rows.forEach(function (r) { body.appendChild(r); });
            });
          });
        });
        """;

    /// <summary>The whole page.</summary>
    public static string Render(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        var title = "FunctionsOpt report: " + (report.Model?.Name ?? report.RunId);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>").Append(Html(title)).Append("</title><style>").Append(Style).Append("</style></head><body><main>\n");
        Header(html, report, title);
        Headline(html, report);
        html.Append("<div class=\"grid\"><section class=\"card\" id=\"pareto\"><h2>Latency vs quality</h2>");
        html.Append(SvgCharts.Pareto(report.Pareto, report.Baseline?.Metrics));
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">One point per evaluated configuration ({report.Pareto.Points.Count}), at the largest resource it was measured with (full-budget re-evaluations first). Marker area grows with model size; faded points are dominated (another configuration is at least as fast, as accurate and as small, and better on one); the grey diamond is the unmodified model.</p></section>");
        html.Append("<section class=\"card\" id=\"pass-effects\"><h2>What each pass contributed</h2>");
        html.Append(SvgCharts.PassEffects(report.PassEffects, report.Objective.QualityMetric));
        html.Append("<p class=\"note\">For each pass: the median over successful trials with the pass on, minus the median with it off, of latency and size relative to the baseline and of quality minus the baseline's. Trials at low rungs score few rows, so quality changes there are noisy.</p></section></div>\n");
        html.Append("<section class=\"card\" id=\"hyperband\"><h2>Hyperband: brackets, rungs, promotions</h2>");
        html.Append(SvgCharts.Hyperband(report.Hyperband, report.Trials));
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">η = {report.Hyperband.Eta}, R = {report.Hyperband.MaxResource}. Each rung keeps the top 1/η of its trials and promotes them to η× the resource; a resource unit is 1/R of the evaluation set, of the latency runs and of the calibration rows. Budget is the resource spent in the rung. The best configurations are re-evaluated on the full budget in the last column.</p></section>\n");
        Serving(html, report);
        Trials(html, report);
        Environment(html, report);
        Failures(html, report);
        html.Append("</main><script>").Append(Script).Append("</script></body></html>\n");
        return html.ToString();
    }

    private static void Header(StringBuilder html, ReportModel report, string title)
    {
        html.Append("<h1>").Append(Html(title)).Append("</h1>");
        var model = report.Model is { } m ? $"model sha256 {m.Sha256[..12]}… ({Bytes(m.SizeBytes)})" : "model not recorded";
        html.Append("<div class=\"sub\">Run <code>").Append(Html(report.RunId)).Append("</code> · ").Append(Html(report.Status.ToString()))
            .Append(" · ").Append(Html(model)).Append(" · data ").Append(Html(report.Dataset))
            .Append(" · objective ").Append(Html(report.Objective.Goal + " " + report.Objective.Metric))
            .Append(report.StopReason is { } stop ? " · search stopped: " + Html(stop) : string.Empty).Append("</div>\n");
    }

    private static void Headline(StringBuilder html, ReportModel report)
    {
        var h = report.Headline;
        html.Append("<section id=\"headline\"><h2>Baseline vs best</h2>");
        var (cls, text) = h.BestTrialId is null
            ? ("none", "No candidate was chosen: the unmodified model stands.")
            : h.ConstraintsMet
                ? ("met", "Constraint met: the chosen model " + Html(h.BestTrialId) + " meets every bar.")
                : ("missed", "Constraint NOT met: the chosen model " + Html(h.BestTrialId) + " is the closest to the bar (best effort).");
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"banner {cls}\" id=\"constraint-banner\" data-met=\"{(h.ConstraintsMet ? "true" : "false")}\">{text}{(h.BestEffort ? "<span class=\"badge\" id=\"best-effort\">best effort</span>" : string.Empty)}</div>");
        if (h.Constraints.Count > 0)
        {
            html.Append("<ul class=\"constraints\">");
            foreach (var c in h.Constraints)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li data-met=\"{(c.Met ? "true" : "false")}\">{Html(c.Constraint)}: value {Html(Number(c.Value))} vs bar {Html(Number(c.Bar))} — {(c.Met ? "met" : "missed")} ({Html(c.Verdict)} with sampling noise, n={c.SampleCount})</li>");
            }

            html.Append("</ul>");
        }

        if (report.Verdict is { } verdict)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"banner {(verdict.KeepsOriginal ? "none" : "met")}\" id=\"verdict\" data-kind=\"{Html(verdict.Kind)}\">Verdict: {Html(verdict.Headline)}{(verdict.KeepsOriginal ? " — the original model is recommended" : string.Empty)}</div>");
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">Finalists re-timed against the original in one interleaved session: {verdict.Rounds} rounds, {verdict.Confidence:P0} intervals ({Html(verdict.Method)}); original p50 {Html(Number(verdict.OriginalP50Ms))} ms at batch {verdict.BatchSize}.</p><ul id=\"verdict-reasons\">");
            foreach (var reason in verdict.Reasons)
            {
                html.Append("<li>").Append(Html(reason)).Append("</li>");
            }

            html.Append("</ul>");
        }

        html.Append("<table id=\"headline-table\"><thead><tr><th>metric</th><th>baseline</th><th>best</th><th>change</th></tr></thead><tbody>");
        foreach (var row in h.Rows)
        {
            var change = Change(row);
            var better = row.Baseline is { } b && row.Best is { } o && b != o
                ? ((row.Better == "lower") == (o < b) ? "better" : "worse")
                : string.Empty;
            html.Append("<tr><td>").Append(Html(row.Label)).Append("</td><td class=\"num\">").Append(Html(Value(row.Baseline, row.Unit)))
                .Append("</td><td class=\"num\">").Append(Html(Value(row.Best, row.Unit)))
                .Append("</td><td class=\"num ").Append(better).Append("\">").Append(Html(change)).Append("</td></tr>");
        }

        html.Append("</tbody></table>");
        var passes = h.Passes.Count == 0 ? "none (the unmodified model)" : string.Join(" → ", h.Passes);
        html.Append("<p>Passes of the chosen model: <strong>").Append(Html(passes)).Append("</strong>");
        if (report.Best is { } best)
        {
            var enabled = best.Parameters.Where(p => h.Passes.Any(pass => p.Key.StartsWith(pass + ".", StringComparison.Ordinal)) && !p.Key.EndsWith(".enabled", StringComparison.Ordinal));
            html.Append("<br><span class=\"note\">Parameters: <code>").Append(Html(string.Join("; ", enabled.Select(p => p.Key + "=" + p.Value)))).Append("</code></span>");
            html.Append("<br><span class=\"note\">Provider: ").Append(Html(Provider(best.Provider))).Append("</span>");
        }

        html.Append("</p></section>\n");
    }

    private static void Serving(StringBuilder html, ReportModel report)
    {
        html.Append("<section class=\"card\" id=\"serving\"><h2>Serving: throughput of the chosen model</h2>");
        if (report.Serving is not { } serving)
        {
            html.Append("<p class=\"note\">Not measured (the run did not complete with a chosen model).</p></section>\n");
            return;
        }

        html.Append(SvgCharts.Throughput(serving));
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Triton: max_batch_size {serving.MaxBatchSize}, preferred batch sizes [{string.Join(", ", serving.PreferredBatchSizes)}]. {Html(serving.Rule)} Files: <code>serving/triton/</code>, <code>serving/ort-session.json</code>.</p></section>\n");
    }

    private static void Trials(StringBuilder html, ReportModel report)
    {
        var batch = report.Objective.BatchSize;
        var quality = report.Objective.QualityMetric;
        (string Header, string Metric)[] metrics =
        [
            ("accuracy", MetricNames.Accuracy), ("F1", MetricNames.F1Macro), ("AUC", MetricNames.Auc), ("fidelity", MetricNames.FidelityTop1),
            ("p50 ms", MetricNames.LatencyP50Ms(batch)), ("p95 ms", MetricNames.LatencyP95Ms(batch)), ("rows/s", MetricNames.Throughput(batch)),
            ("size", MetricNames.SizeBytes), ("gzip", MetricNames.CompressedSizeBytes),
        ];
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"trials\"><h2>All trials ({report.Trials.Count})</h2><p class=\"note\">Click a header to sort. Quality bar metric: {Html(quality)}. Trials at low rungs are scored on a subsample.</p><div class=\"wide\">");
        html.Append("<table class=\"sortable\" id=\"trial-table\"><thead><tr><th>trial</th><th>phase</th><th>bracket</th><th>rung</th><th>resource</th><th>status</th><th>passes</th>");
        foreach (var (header, _) in metrics)
        {
            html.Append("<th>").Append(Html(header)).Append("</th>");
        }

        html.Append("<th>provider</th><th>from</th><th>build s</th><th>eval s</th><th>error</th></tr></thead><tbody>");
        foreach (var t in report.Trials)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"{Html(t.Status)}\" data-trial=\"{Html(t.TrialId)}\"><td data-v=\"{ReportModelBuilder.Ordinal(t.TrialId) + (t.Phase == "final" ? 1_000_000 : 0)}\">{Html(t.TrialId)}</td><td>{Html(t.Phase)}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{t.Bracket}</td><td class=\"num\">{t.Rung}</td><td class=\"num\">{Html(Number(t.Resource))}</td><td>{Html(t.Status)}</td><td>{Html(t.Passes.Count == 0 ? "none" : string.Join(" + ", t.Passes))}</td>");
            foreach (var (_, metric) in metrics)
            {
                if (t.Metrics.TryGetValue(metric, out var v))
                {
                    var shown = metric.StartsWith("size", StringComparison.Ordinal) ? Bytes(v) : metric.StartsWith("throughput", StringComparison.Ordinal) ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("G4", CultureInfo.InvariantCulture);
                    html.Append("<td class=\"num\" data-v=\"").Append(v.ToString("R", CultureInfo.InvariantCulture)).Append("\">").Append(Html(shown)).Append("</td>");
                }
                else
                {
                    html.Append("<td class=\"num\" data-v=\"\">–</td>");
                }
            }

            html.Append("<td>").Append(Html(Provider(t.Provider))).Append("</td><td>").Append(Html(t.PromotedFrom ?? string.Empty)).Append("</td>");
            html.Append("<td class=\"num\">").Append(t.BuildSeconds.ToString("F3", CultureInfo.InvariantCulture)).Append("</td><td class=\"num\">").Append(t.EvaluateSeconds.ToString("F3", CultureInfo.InvariantCulture)).Append("</td>");
            html.Append("<td>").Append(Html(t.ErrorCode ?? string.Empty)).Append("</td></tr>");
        }

        html.Append("</tbody></table></div></section>\n");
    }

    private static void Environment(StringBuilder html, ReportModel report)
    {
        html.Append("<section id=\"environment\"><h2>Environment</h2>");
        if (report.Environment is not { } e)
        {
            html.Append("<p class=\"note\">Not recorded (the baseline was not profiled).</p></section>\n");
            return;
        }

        (string Key, string Value)[] rows =
        [
            ("CPU", (e.Cpu ?? "unknown") + " · " + Number(e.ProcessorCount) + " logical processors"),
            ("GPU", e.Gpus.Count == 0 ? "none detected" : string.Join(", ", e.Gpus)),
            ("provider used", Provider(e.Provider)),
            ("ONNX Runtime", e.OrtVersion),
            ("threads", FormattableString.Invariant($"intra-op {(e.Session.IntraOpThreads == 0 ? "ORT default" : Number(e.Session.IntraOpThreads))}, inter-op {(e.Session.InterOpThreads == 0 ? "ORT default" : Number(e.Session.InterOpThreads))}, {(e.Session.ParallelExecution ? "parallel" : "sequential")} execution")),
            ("graph optimization", e.Session.OptimizationLevel.ToString().ToLowerInvariant()),
            ("OS", e.Os),
            ("runtime", e.Runtime),
            ("machine", e.MachineName ?? "unknown"),
        ];
        html.Append("<table id=\"environment-table\"><tbody>");
        foreach (var (key, value) in rows)
        {
            html.Append("<tr><th>").Append(Html(key)).Append("</th><td>").Append(Html(value)).Append("</td></tr>");
        }

        html.Append("</tbody></table></section>\n");
    }

    private static void Failures(StringBuilder html, ReportModel report)
    {
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"failures\"><h2>Failed and invalid trials ({report.Failures.Count})</h2>");
        if (report.Failures.Count == 0 && report.Errors.Count == 0)
        {
            html.Append("<p>None.</p></section>\n");
            return;
        }

        if (report.Failures.Count > 0)
        {
            html.Append("<table id=\"failure-table\"><thead><tr><th>trial</th><th>status</th><th>passes</th><th>code</th><th>reason</th></tr></thead><tbody>");
            foreach (var f in report.Failures)
            {
                html.Append("<tr><td>").Append(Html(f.TrialId)).Append("</td><td>").Append(Html(f.Status)).Append("</td><td>")
                    .Append(Html(string.Join(" + ", f.Passes))).Append("</td><td>").Append(Html(f.Code)).Append("</td><td>").Append(Html(f.Message)).Append("</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        foreach (var e in report.Errors)
        {
            html.Append("<p class=\"note\">Run error <code>").Append(Html(e.Code)).Append("</code>: ").Append(Html(e.Message)).Append("</p>");
        }

        html.Append("</section>\n");
    }
}
