using System.Diagnostics;

namespace FunctionsOpt.Benchmarks;

/// <summary>One timed pass over a dataset: wall seconds, and for the runner the part spent inside Session.Run.</summary>
internal readonly record struct Sample(double Seconds, double? InsideRunSeconds);

/// <summary>A contender: a name and a pass over the whole dataset that reports how long it took.</summary>
internal sealed record Variant(string Name, bool IsBaseline, Func<Sample> Pass);

/// <summary>Interleaved rounds: every round runs each variant once, the order rotating from round to round so that
/// no variant always follows the same neighbour; the garbage collector is settled before every pass.</summary>
internal static class Measurement
{
    public static Dictionary<string, List<Sample>> Interleave(IReadOnlyList<Variant> variants, int warmup, int rounds, TextWriter log)
    {
        for (var w = 0; w < warmup; w++)
        {
            foreach (var variant in variants)
            {
                Settle();
                variant.Pass();
            }
        }

        var samples = variants.ToDictionary(v => v.Name, _ => new List<Sample>(rounds), StringComparer.Ordinal);
        for (var r = 0; r < rounds; r++)
        {
            var line = new List<string>();
            for (var k = 0; k < variants.Count; k++)
            {
                var variant = variants[(r + k) % variants.Count];
                Settle();
                var sample = variant.Pass();
                samples[variant.Name].Add(sample);
                line.Add($"{variant.Name} {sample.Seconds * 1000:F1} ms");
            }

            log.WriteLine($"    round {r + 1,2}: {string.Join(", ", line)}");
        }

        return samples;
    }

    /// <summary>Times <paramref name="action"/> and returns its wall seconds.</summary>
    public static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new InvalidOperationException("No samples.");
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
