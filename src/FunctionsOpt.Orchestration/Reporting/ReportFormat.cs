using System.Globalization;
using System.Net;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>Number, unit and escaping rules shared by the HTML, markdown and model card renderings. Invariant culture throughout.</summary>
public static class ReportFormat
{
    /// <summary>Text safe inside HTML element content and quoted attribute values (&amp;, &lt;, &gt;, &quot;, &#39; encoded).</summary>
    public static string Html(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>Text safe inside a markdown table cell: pipes, backslashes, backticks, angle brackets and line breaks neutralized.</summary>
    public static string Markdown(string? text) => (text ?? string.Empty)
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("`", "\\`", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\r", " ", StringComparison.Ordinal)
        .Replace("\n", " ", StringComparison.Ordinal);

    /// <summary>A value with its unit: bytes as KiB/MiB, milliseconds with 4 significant digits, rows/s grouped, others to 4 decimals.</summary>
    public static string Value(double? value, string unit)
    {
        if (value is not { } v)
        {
            return "not measured";
        }

        return unit switch
        {
            "bytes" => Bytes(v),
            "ms" => v.ToString("G4", CultureInfo.InvariantCulture) + " ms",
            "rows/s" => v.ToString("N0", CultureInfo.InvariantCulture) + " rows/s",
            _ => v.ToString("F4", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Bytes in B, KiB or MiB with one decimal.</summary>
    public static string Bytes(double bytes) => Math.Abs(bytes) switch
    {
        < 1024 => bytes.ToString("F0", CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / (1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
    };

    /// <summary>
    /// The change from baseline to best in words: a ratio as <c>1.13× faster</c>/<c>3.54× smaller</c> for lower-is-better
    /// metrics and a signed difference for quality (<c>-0.0098</c>), or a dash.
    /// </summary>
    public static string Change(HeadlineRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Baseline is not { } b || row.Best is not { } o)
        {
            return "–";
        }

        if (row.Unit.Length == 0)
        {
            var d = o - b;
            return (d >= 0 ? "+" : string.Empty) + d.ToString("F4", CultureInfo.InvariantCulture);
        }

        if (b == 0 || o == 0)
        {
            return "–";
        }

        var factor = row.Better == "lower" ? b / o : o / b;
        var word = row.Unit switch
        {
            "bytes" => factor >= 1 ? "smaller" : "larger",
            "rows/s" => factor >= 1 ? "higher" : "lower",
            _ => factor >= 1 ? "faster" : "slower",
        };
        var shown = factor >= 1 ? factor : 1 / factor;
        return shown.ToString("F2", CultureInfo.InvariantCulture) + "× " + word;
    }

    /// <summary>A signed percentage with one decimal (<c>+12.5%</c>), or a dash.</summary>
    public static string Percent(double? fraction) => fraction is { } f
        ? (f >= 0 ? "+" : string.Empty) + (f * 100).ToString("F1", CultureInfo.InvariantCulture) + "%"
        : "–";

    /// <summary>The provider as the CLI spells it.</summary>
    public static string Provider(ProviderName name) => name switch
    {
        ProviderName.Cuda => "cuda",
        ProviderName.TensorRT => "tensorrt",
        _ => "cpu",
    };

    /// <summary><c>cpu</c>, or <c>requested → used (reason)</c> when they differ.</summary>
    public static string Provider(ProviderUsage? usage) => usage is null
        ? "–"
        : usage.Requested == usage.Used ? Provider(usage.Used) : $"{Provider(usage.Requested)} → {Provider(usage.Used)}" + (usage.FallbackReason is { } r ? $" ({r})" : string.Empty);

    /// <summary>A number in the invariant culture with up to 6 significant digits.</summary>
    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>An integer in the invariant culture.</summary>
    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
