using System.Globalization;

namespace FunctionsOpt.Cli.Rendering;

/// <summary>
/// Human-readable forms of values the CLI prints: a trial's configuration as one <c>pass: param=value</c> line per
/// pass (the canonical form is one long <c>pass.param=kind:value;...</c> string that terminals cut anywhere), and
/// latencies in the unit that keeps their digits.
/// </summary>
internal static class ConfigurationText
{
    /// <summary>Latencies below this many milliseconds print in microseconds (0.0053 ms reads better as 5.3 µs).</summary>
    public const double MicrosecondsBelowMs = 0.1;

    /// <summary>
    /// One line per pass, in the canonical (ordinal) order: <c>quantize-dynamic: form=integer, per-channel=false</c>.
    /// The canonical value kinds (<c>s:</c>, <c>i:</c>, <c>f:</c>, <c>b:</c>) are dropped and reals print with four significant digits.
    /// </summary>
    public static IReadOnlyList<string> Lines(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var passes = new List<(string Pass, List<string> Parameters)>();
        foreach (var entry in canonical.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? entry : entry[..equals];
            var value = equals < 0 ? string.Empty : entry[(equals + 1)..];
            if (value.Length > 1 && value[1] == ':' && "sifb".Contains(value[0], StringComparison.Ordinal))
            {
                // Reals are stored round-trip exact (0.001841302190846559); four significant digits read better.
                value = value[0] == 'f' && double.TryParse(value[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
                    ? real.ToString("G4", CultureInfo.InvariantCulture)
                    : value[2..];
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            var pass = dot < 0 ? name : name[..dot];
            var parameter = dot < 0 ? string.Empty : name[(dot + 1)..];
            if (passes.Count == 0 || passes[^1].Pass != pass)
            {
                passes.Add((pass, []));
            }

            passes[^1].Parameters.Add(parameter.Length == 0 ? value : $"{parameter}={value}");
        }

        return passes.Select(p => $"{p.Pass}: {string.Join(", ", p.Parameters)}").ToArray();
    }

    /// <summary><c>5.3 µs</c> below <see cref="MicrosecondsBelowMs"/>, else <c>1.2345 ms</c>.</summary>
    public static string Latency(double milliseconds) => milliseconds < MicrosecondsBelowMs
        ? (milliseconds * 1000).ToString("F1", CultureInfo.InvariantCulture) + " µs"
        : milliseconds.ToString("F4", CultureInfo.InvariantCulture) + " ms";
}
