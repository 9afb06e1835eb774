using System.Globalization;
using FunctionsOpt.Core.Search.Objectives;

namespace FunctionsOpt.Core.Timing;

/// <summary>
/// A trial's latency as the search sees it. Each trial times its candidate interleaved with the original, so its
/// ratio to the original (with an interval) is robust to the machine's state at that moment, while its absolute
/// milliseconds are not. <see cref="Add"/> records the ratios; <see cref="Normalise"/> then restates the latency
/// metrics the objective reads as ratio × the baseline's latency (raw values kept under <c>*.raw.*</c>) and adds
/// interval bounds under <c>.low</c>/<c>.high</c>, which the objective's optimistic score reads to promote
/// uncertain trials rather than decide on noise. Pure.
/// </summary>
public static class LatencyRatios
{
    /// <summary>Key of the original in a trial's timing session.</summary>
    public const string OriginalKey = "original";

    /// <summary>Key of the candidate in a trial's timing session.</summary>
    public const string CandidateKey = "candidate";

    /// <summary>Suffix of an interval's lower bound.</summary>
    public const string LowSuffix = ".low";

    /// <summary>Suffix of an interval's upper bound.</summary>
    public const string HighSuffix = ".high";

    /// <summary>Ratio of the candidate's p50 (or p95) to the original's at a batch size.</summary>
    public static string Ratio(string statistic, int batchSize) => $"latency.{statistic}.ratio@{batchSize.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The raw, un-normalised latency at a batch size, ms.</summary>
    public static string Raw(string statistic, int batchSize) => $"latency.{statistic}.raw.ms@{batchSize.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Adds the candidate's ratios to the original; 1 exactly when the candidate is the original itself (<paramref name="paired"/> false).</summary>
    public static IReadOnlyDictionary<string, double> Add(IReadOnlyDictionary<string, double> metrics, ModelTiming candidate, bool paired)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(candidate);
        var result = new Dictionary<string, double>(metrics, StringComparer.Ordinal);
        Put(result, Ratio("p50", candidate.BatchSize), paired ? candidate.P50VsReference : null);
        Put(result, Ratio("p95", candidate.BatchSize), paired ? candidate.P95VsReference : null);
        return result;
    }

    /// <summary>
    /// Restates <c>latency.p50/p95.ms@b</c> and <c>throughput@b</c> from the ratios and the baseline's values, with
    /// interval bounds; metrics without a ratio or a baseline value are left as they are.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Normalise(IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, double> baseline)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(baseline);
        var result = new Dictionary<string, double>(metrics, StringComparer.Ordinal);
        foreach (var key in metrics.Keys.Where(k => k.StartsWith("latency.p50.ratio@", StringComparison.Ordinal) && !k.EndsWith(LowSuffix, StringComparison.Ordinal) && !k.EndsWith(HighSuffix, StringComparison.Ordinal)))
        {
            var batch = int.Parse(key[(key.IndexOf('@', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            foreach (var statistic in new[] { "p50", "p95" })
            {
                var name = statistic == "p50" ? MetricNames.LatencyP50Ms(batch) : MetricNames.LatencyP95Ms(batch);
                var ratio = Ratio(statistic, batch);
                if (!metrics.TryGetValue(ratio, out var r) || !baseline.TryGetValue(name, out var b) || !(b > 0))
                {
                    continue;
                }

                if (metrics.TryGetValue(name, out var raw))
                {
                    result[Raw(statistic, batch)] = raw;
                }

                result[name] = r * b;
                result[name + LowSuffix] = metrics.GetValueOrDefault(ratio + LowSuffix, r) * b;
                result[name + HighSuffix] = metrics.GetValueOrDefault(ratio + HighSuffix, r) * b;
                if (statistic == "p50")
                {
                    var throughput = MetricNames.Throughput(batch);
                    result[throughput] = batch * 1000.0 / result[name];
                    result[throughput + LowSuffix] = batch * 1000.0 / result[name + HighSuffix];
                    result[throughput + HighSuffix] = batch * 1000.0 / result[name + LowSuffix];
                }
            }
        }

        return result;
    }

    private static void Put(Dictionary<string, double> metrics, string name, SpeedupEstimate? estimate)
    {
        metrics[name] = estimate?.Ratio ?? 1;
        metrics[name + LowSuffix] = estimate?.Low ?? 1;
        metrics[name + HighSuffix] = estimate?.High ?? 1;
    }
}
