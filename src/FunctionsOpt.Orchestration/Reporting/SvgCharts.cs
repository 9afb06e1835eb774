using System.Globalization;
using System.Text;
using FunctionsOpt.Orchestration.Contracts;
using static FunctionsOpt.Orchestration.Reporting.ReportFormat;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>
/// Inline SVG charts for the HTML report, generated here so the report needs no plotting library, no script to draw
/// and no network: the same model always gives byte-identical SVG. Every element a test or a reader may look for
/// carries a class and <c>data-</c> attributes (a Pareto point: <c>class="pareto-point"</c>, <c>data-trial</c>,
/// <c>data-dominated</c>, <c>data-chosen</c>; the chosen one also <c>id="chosen-point"</c>). All text is escaped.
/// </summary>
public static class SvgCharts
{
    private const string Ok = "#2563eb";
    private const string Invalid = "#f59e0b";
    private const string Failed = "#dc2626";
    private const string Good = "#16a34a";
    private const string Bad = "#dc2626";

    /// <summary>Latency (x) vs quality (y), marker area by model size, dominated points faded, the chosen point ringed, the baseline a diamond.</summary>
    public static string Pareto(ReportPareto pareto, IReadOnlyDictionary<string, double>? baseline)
    {
        ArgumentNullException.ThrowIfNull(pareto);
        const double width = 720, height = 420, left = 80, right = 24, top = 20, bottom = 56;
        var svg = Open("pareto-chart", width, height, $"Latency ({pareto.XMetric}) vs quality ({pareto.YMetric}); marker size is model size");
        if (pareto.Points.Count == 0)
        {
            svg.Append(Text(width / 2, height / 2, "No configuration produced metrics.", "middle", "empty"));
            return Close(svg);
        }

        double? bx = baseline is not null && baseline.TryGetValue(pareto.XMetric, out var bxv) ? bxv : null;
        double? by = baseline is not null && baseline.TryGetValue(pareto.YMetric, out var byv) ? byv : null;
        var xs = pareto.Points.Select(p => p.X).Concat(bx is { } a ? [a] : []).ToArray();
        var ys = pareto.Points.Select(p => p.Y).Concat(by is { } c ? [c] : []).ToArray();
        var (x0, x1) = Range(xs);
        var (y0, y1) = Range(ys);
        double Px(double v) => left + ((v - x0) / (x1 - x0) * (width - left - right));
        double Py(double v) => height - bottom - ((v - y0) / (y1 - y0) * (height - top - bottom));
        Axes(svg, left, top, width - right, height - bottom, x0, x1, y0, y1, pareto.XMetric + " (lower is better)", pareto.YMetric + " (higher is better)");

        var maxSize = Math.Max(1, pareto.Points.Max(p => p.Size));
        foreach (var p in pareto.Points.OrderBy(p => p.Chosen).ThenBy(p => !p.Dominated))
        {
            var r = 5 + (14 * Math.Sqrt(Math.Max(0, p.Size) / maxSize));
            var title = FormattableString.Invariant($"{p.TrialId}: {(p.Passes.Count == 0 ? "no passes" : string.Join(" + ", p.Passes))}; {pareto.XMetric} {Number(p.X)}, {pareto.YMetric} {Number(p.Y)}, size {Bytes(p.Size)}, resource {Number(p.Resource)}{(p.Dominated ? ", dominated" : ", non-dominated")}{(p.Chosen ? ", CHOSEN" : string.Empty)}");
            svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"pareto-point{(p.Dominated ? " dominated" : string.Empty)}{(p.Chosen ? " chosen" : string.Empty)}\"{(p.Chosen ? " id=\"chosen-point\"" : string.Empty)} data-trial=\"{Html(p.TrialId)}\" data-dominated=\"{(p.Dominated ? "true" : "false")}\" data-chosen=\"{(p.Chosen ? "true" : "false")}\" cx=\"{F(Px(p.X))}\" cy=\"{F(Py(p.Y))}\" r=\"{F(r)}\" fill=\"{Ok}\" fill-opacity=\"{(p.Dominated ? "0.18" : "0.75")}\" stroke=\"{(p.Chosen ? "#111827" : Ok)}\" stroke-width=\"{(p.Chosen ? "3" : "1")}\"><title>{Html(title)}</title></circle>");
            if (p.Chosen)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"chosen-ring\" cx=\"{F(Px(p.X))}\" cy=\"{F(Py(p.Y))}\" r=\"{F(r + 6)}\" fill=\"none\" stroke=\"#111827\" stroke-dasharray=\"4 3\"/>");
                svg.Append(Text(Px(p.X) + r + 10, Py(p.Y) - r - 4, "chosen: " + p.TrialId, "start", "chosen-label", bold: true));
            }
        }

        if (bx is { } vx && by is { } vy)
        {
            var (cx, cy) = (Px(vx), Py(vy));
            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"baseline-marker\" d=\"M{F(cx)} {F(cy - 8)} L{F(cx + 8)} {F(cy)} L{F(cx)} {F(cy + 8)} L{F(cx - 8)} {F(cy)} Z\" fill=\"#6b7280\"><title>{Html(FormattableString.Invariant($"baseline: {pareto.XMetric} {Number(vx)}, {pareto.YMetric} {Number(vy)}"))}</title></path>");
            svg.Append(Text(cx + 11, cy + 14, "baseline", "start", "baseline-label"));
        }

        return Close(svg);
    }

    /// <summary>Each bracket a row, each rung a column (then the final re-evaluations): trials as dots by status, promoted ones outlined and linked to the trial they became.</summary>
    public static string Hyperband(ReportHyperband hyperband, IReadOnlyList<ReportTrial> trials)
    {
        ArgumentNullException.ThrowIfNull(hyperband);
        ArgumentNullException.ThrowIfNull(trials);
        var byId = trials.ToDictionary(t => t.TrialId, StringComparer.Ordinal);
        var columns = Math.Max(1, hyperband.Brackets.Select(b => b.Rungs.Count == 0 ? 0 : b.Rungs.Max(r => r.Rung) + 1).DefaultIfEmpty(1).Max());
        const double cellWidth = 210, rowHeight = 110, left = 110, top = 34, dot = 16;
        var width = left + ((columns + 1) * cellWidth) + 10;
        var height = top + (Math.Max(1, hyperband.Brackets.Count) * rowHeight) + 30;
        var svg = Open("hyperband-chart", width, height, "Hyperband brackets and rungs; promoted trials outlined and linked");
        var positions = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        for (var c = 0; c < columns; c++)
        {
            svg.Append(Text(left + (c * cellWidth) + 8, 18, "rung " + Number(c), "start", "col-label", bold: true));
        }

        svg.Append(Text(left + (columns * cellWidth) + 8, 18, "final (full budget)", "start", "col-label", bold: true));
        for (var b = 0; b < hyperband.Brackets.Count; b++)
        {
            var bracket = hyperband.Brackets[b];
            var y = top + (b * rowHeight);
            svg.Append(Text(8, y + 22, "bracket s=" + Number(bracket.Bracket), "start", "row-label", bold: true));
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"bracket\" data-bracket=\"{bracket.Bracket}\">");
            foreach (var rung in bracket.Rungs)
            {
                var x = left + (rung.Rung * cellWidth);
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"rung\" data-bracket=\"{bracket.Bracket}\" data-rung=\"{rung.Rung}\" x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(cellWidth - 14)}\" height=\"{F(rowHeight - 14)}\" rx=\"6\" fill=\"#f3f4f6\" stroke=\"#d1d5db\"/>");
                svg.Append(Text(x + 8, y + 16, FormattableString.Invariant($"r={Number(rung.Resource)} · {rung.Trials.Count} trial(s) · budget {Number(rung.Budget)}"), "start", "rung-label"));
                PlaceDots(svg, rung.Trials, rung.Promoted, byId, x + 14, y + 34, cellWidth - 30, dot, positions);
            }

            svg.Append("</g>");
        }

        var finalsX = left + (columns * cellWidth);
        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"rung finals\" x=\"{F(finalsX)}\" y=\"{F(top)}\" width=\"{F(cellWidth - 14)}\" height=\"{F(rowHeight - 14)}\" rx=\"6\" fill=\"#ecfdf5\" stroke=\"#a7f3d0\"/>");
        svg.Append(Text(finalsX + 8, top + 16, FormattableString.Invariant($"r={Number(hyperband.MaxResource)} · {hyperband.Finals.Count} re-evaluation(s)"), "start", "rung-label"));
        PlaceDots(svg, hyperband.Finals, [], byId, finalsX + 14, top + 34, cellWidth - 30, dot, positions);

        var links = new StringBuilder();
        foreach (var t in trials.Where(t => t.PromotedFrom is not null))
        {
            if (positions.TryGetValue(t.PromotedFrom!, out var from) && positions.TryGetValue(t.TrialId, out var to))
            {
                links.Append(CultureInfo.InvariantCulture, $"<line class=\"promotion\" data-from=\"{Html(t.PromotedFrom)}\" data-to=\"{Html(t.TrialId)}\" x1=\"{F(from.X)}\" y1=\"{F(from.Y)}\" x2=\"{F(to.X)}\" y2=\"{F(to.Y)}\" stroke=\"#111827\" stroke-opacity=\"0.35\" stroke-width=\"1.2\"/>");
            }
        }

        var legendY = height - 10;
        svg.Append(Legend(left, legendY));
        svg.Append(links);
        return Close(svg);
    }

    /// <summary>Per pass, three diverging bars: latency change, size change (relative, on minus off) and quality change (points); green where the change is an improvement.</summary>
    public static string PassEffects(IReadOnlyList<PassEffect> effects, string qualityMetric)
    {
        ArgumentNullException.ThrowIfNull(effects);
        const double width = 720, left = 250, right = 80, rowHeight = 66, top = 30;
        var height = top + (Math.Max(1, effects.Count) * rowHeight) + 10;
        var svg = Open("pass-effect-chart", width, height, "Median effect of each pass: with the pass minus without it");
        var values = effects.SelectMany(e => new[] { e.LatencyChange, e.SizeChange, e.QualityChange }).OfType<double>().Select(Math.Abs).ToArray();
        var scale = Math.Max(0.01, values.Length == 0 ? 0.01 : values.Max());
        var mid = left + ((width - left - right) / 2);
        var half = (width - left - right) / 2;
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(mid)}\" y1=\"{F(top - 8)}\" x2=\"{F(mid)}\" y2=\"{F(height - 6)}\" stroke=\"#9ca3af\"/>");
        svg.Append(Text(mid, 16, "0 (no effect) · bars: median with the pass minus median without it", "middle", "axis-label"));
        for (var i = 0; i < effects.Count; i++)
        {
            var e = effects[i];
            var y = top + (i * rowHeight);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"pass-effect\" data-pass=\"{Html(e.Pass)}\">");
            svg.Append(Text(8, y + 24, e.Pass, "start", "pass-label", bold: true));
            svg.Append(Text(8, y + 40, FormattableString.Invariant($"on {e.TrialsOn} / off {e.TrialsOff}"), "start", "pass-count"));
            (string Name, double? Value, bool LowerIsBetter, string Shown)[] bars =
            [
                ("latency", e.LatencyChange, true, Percent(e.LatencyChange)),
                ("size", e.SizeChange, true, Percent(e.SizeChange)),
                (qualityMetric, e.QualityChange, false, e.QualityChange is { } q ? (q >= 0 ? "+" : string.Empty) + (q * 100).ToString("F1", CultureInfo.InvariantCulture) + " pts" : "–"),
            ];
            for (var k = 0; k < bars.Length; k++)
            {
                var (name, value, lower, shown) = bars[k];
                var by = y + 4 + (k * 19);
                svg.Append(Text(left - 10, by + 12, name, "end", "bar-label"));
                if (value is { } v)
                {
                    var length = Math.Abs(v) / scale * half;
                    var improves = lower ? v < 0 : v > 0;
                    var x = v < 0 ? mid - length : mid;
                    svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"effect-bar\" data-metric=\"{Html(name)}\" data-value=\"{v.ToString("R", CultureInfo.InvariantCulture)}\" x=\"{F(x)}\" y=\"{F(by)}\" width=\"{F(Math.Max(1, length))}\" height=\"15\" fill=\"{(v == 0 ? "#9ca3af" : improves ? Good : Bad)}\"/>");
                    svg.Append(Text(width - 6, by + 12, shown, "end", "bar-value"));
                }
                else
                {
                    svg.Append(Text(width - 6, by + 12, "n/a", "end", "bar-value"));
                }
            }

            svg.Append("</g>");
        }

        return Close(svg);
    }

    /// <summary>Throughput over batch size (log-2 axis), preferred sizes highlighted.</summary>
    public static string Throughput(ReportServing serving)
    {
        ArgumentNullException.ThrowIfNull(serving);
        const double width = 720, height = 300, left = 90, right = 24, top = 20, bottom = 50;
        var svg = Open("throughput-chart", width, height, "Measured throughput of the chosen model per batch size");
        var points = serving.Batches.OrderBy(b => b.BatchSize).ToArray();
        if (points.Length == 0)
        {
            svg.Append(Text(width / 2, height / 2, "No throughput measured.", "middle", "empty"));
            return Close(svg);
        }

        var (x0, x1) = Range(points.Select(p => Math.Log2(p.BatchSize)).ToArray());
        var y1 = points.Max(p => p.ThroughputPerSecond) * 1.1;
        double Px(double b) => left + ((Math.Log2(b) - x0) / (x1 - x0) * (width - left - right));
        double Py(double v) => height - bottom - (v / y1 * (height - top - bottom));
        Axes(svg, left, top, width - right, height - bottom, double.NaN, double.NaN, 0, y1, "batch size (log scale)", "rows/s");
        foreach (var p in points)
        {
            svg.Append(Text(Px(p.BatchSize), height - bottom + 18, Number(p.BatchSize), "middle", "tick"));
        }

        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Ok}\" stroke-width=\"2\" points=\"{string.Join(' ', points.Select(p => F(Px(p.BatchSize)) + "," + F(Py(p.ThroughputPerSecond))))}\"/>");
        foreach (var p in points)
        {
            var preferred = serving.PreferredBatchSizes.Contains(p.BatchSize);
            svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"throughput-point{(preferred ? " preferred" : string.Empty)}\" data-batch=\"{p.BatchSize}\" cx=\"{F(Px(p.BatchSize))}\" cy=\"{F(Py(p.ThroughputPerSecond))}\" r=\"{(preferred ? "7" : "4")}\" fill=\"{(preferred ? Good : Ok)}\"><title>{Html(FormattableString.Invariant($"batch {p.BatchSize}: {p.ThroughputPerSecond:F0} rows/s, p50 {p.P50Ms:G4} ms, p95 {p.P95Ms:G4} ms{(preferred ? ", preferred" : string.Empty)}"))}</title></circle>");
        }

        return Close(svg);
    }

    private static void PlaceDots(StringBuilder svg, IReadOnlyList<string> ids, IReadOnlyList<string> promoted, Dictionary<string, ReportTrial> byId, double x, double y, double width, double dot, Dictionary<string, (double X, double Y)> positions)
    {
        var perRow = Math.Max(1, (int)(width / dot));
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            var cx = x + (i % perRow * dot);
            var cy = y + (i / perRow * dot);
            positions[id] = (cx, cy);
            var status = byId.TryGetValue(id, out var t) ? t.Status : "ok";
            var isPromoted = promoted.Contains(id);
            var fill = status switch { "ok" => Ok, "invalid" => Invalid, _ => Failed };
            var title = t is null ? id : FormattableString.Invariant($"{id}: {status}{(t.Passes.Count == 0 ? ", no passes" : ", " + string.Join(" + ", t.Passes))}{(isPromoted ? ", promoted" : string.Empty)}{(t.ErrorCode is { } code ? ", " + code : string.Empty)}");
            svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"trial-dot {Html(status)}{(isPromoted ? " promoted" : string.Empty)}\" data-trial=\"{Html(id)}\" data-status=\"{Html(status)}\" data-promoted=\"{(isPromoted ? "true" : "false")}\" cx=\"{F(cx)}\" cy=\"{F(cy)}\" r=\"5.5\" fill=\"{fill}\" stroke=\"{(isPromoted ? "#111827" : "none")}\" stroke-width=\"{(isPromoted ? "2.5" : "0")}\"><title>{Html(title)}</title></circle>");
        }
    }

    private static string Legend(double x, double y)
    {
        var legend = new StringBuilder();
        (string Label, string Color, bool Ring)[] items = [("ok", Ok, false), ("invalid", Invalid, false), ("failed", Failed, false), ("promoted", Ok, true)];
        for (var i = 0; i < items.Length; i++)
        {
            var lx = x + (i * 110);
            legend.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(lx)}\" cy=\"{F(y - 4)}\" r=\"5.5\" fill=\"{items[i].Color}\" stroke=\"{(items[i].Ring ? "#111827" : "none")}\" stroke-width=\"2.5\"/>");
            legend.Append(Text(lx + 10, y, items[i].Label, "start", "legend"));
        }

        return legend.ToString();
    }

    private static void Axes(StringBuilder svg, double x0, double y0, double x1, double y1, double vx0, double vx1, double vy0, double vy1, string xLabel, string yLabel)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{F(x0)}\" y1=\"{F(y1)}\" x2=\"{F(x1)}\" y2=\"{F(y1)}\" stroke=\"#374151\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{F(x0)}\" y1=\"{F(y0)}\" x2=\"{F(x0)}\" y2=\"{F(y1)}\" stroke=\"#374151\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var f = i / 4.0;
            if (!double.IsNaN(vx0))
            {
                var x = x0 + (f * (x1 - x0));
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(y1)}\" x2=\"{F(x)}\" y2=\"{F(y1 + 5)}\" stroke=\"#374151\"/>");
                svg.Append(Text(x, y1 + 18, Tick(vx0 + (f * (vx1 - vx0))), "middle", "tick"));
            }

            var y = y1 - (f * (y1 - y0));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x0 - 5)}\" y1=\"{F(y)}\" x2=\"{F(x1)}\" y2=\"{F(y)}\" stroke=\"#e5e7eb\"/>");
            svg.Append(Text(x0 - 8, y + 4, Tick(vy0 + (f * (vy1 - vy0))), "end", "tick"));
        }

        svg.Append(Text((x0 + x1) / 2, y1 + 40, xLabel, "middle", "axis-label"));
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-label\" transform=\"translate(16 {F((y0 + y1) / 2)}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">{Html(yLabel)}</text>");
    }

    private static string Tick(double value) =>
        Math.Abs(value) >= 10_000 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("G4", CultureInfo.InvariantCulture);

    private static (double Low, double High) Range(double[] values)
    {
        var low = values.Min();
        var high = values.Max();
        var pad = high > low ? (high - low) * 0.08 : Math.Max(Math.Abs(high) * 0.05, 1e-6);
        return (low - pad, high + pad);
    }

    private static StringBuilder Open(string id, double width, double height, string label) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {F(width)} {F(height)}\" width=\"100%\" style=\"max-width:{F(width)}px;height:auto\" role=\"img\" aria-label=\"{Html(label)}\" font-family=\"system-ui, sans-serif\">");

    private static string Close(StringBuilder svg) => svg.Append("</svg>").ToString();

    private static string Text(double x, double y, string text, string anchor, string cls, bool bold = false) =>
        FormattableString.Invariant($"<text class=\"{cls}\" x=\"{F(x)}\" y=\"{F(y)}\" text-anchor=\"{anchor}\" font-size=\"12\"{(bold ? " font-weight=\"600\"" : string.Empty)}>{Html(text)}</text>");

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
