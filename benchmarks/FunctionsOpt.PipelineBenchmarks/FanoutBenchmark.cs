using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace FunctionsOpt.PipelineBenchmarks;

/// <summary>
/// The embedded engine's own cost per activity, with no trial work at all: an orchestration calls a no-op activity
/// N times one after another, then N times at once (a rung's fan-out), on the same DurableTaskTestHost the embedded
/// engine uses. Interleaved rounds, medians, activities per second.
/// </summary>
internal static class FanoutBenchmark
{
    private const string Noop = "noop";

    public static async Task<string> RunAsync(int rounds, IReadOnlyList<int> sizes)
    {
        var inv = CultureInfo.InvariantCulture;
        await using var host = await DurableTaskTestHost.StartAsync(r =>
        {
            r.AddActivityFunc<int, int>(Noop, (_, x) => x);
            r.AddOrchestratorFunc<int, int>("sequential", async (ctx, n) =>
            {
                var sum = 0;
                for (var i = 0; i < n; i++)
                {
                    sum += await ctx.CallActivityAsync<int>(Noop, i);
                }

                return sum;
            });
            r.AddOrchestratorFunc<int, int>("fanout", async (ctx, n) =>
                (await Task.WhenAll(Enumerable.Range(0, n).Select(i => ctx.CallActivityAsync<int>(Noop, i)))).Sum());
        });

        var times = new Dictionary<(string Shape, int N), List<double>>();
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var n in sizes)
            {
                foreach (var shape in round % 2 == 0 ? new[] { "sequential", "fanout" } : ["fanout", "sequential"])
                {
                    var clock = Stopwatch.StartNew();
                    var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(shape, n);
                    var done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true);
                    var seconds = clock.Elapsed.TotalSeconds;
                    if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed || done.ReadOutputAs<int>() != n * (n - 1) / 2)
                    {
                        throw new InvalidOperationException($"{shape} {n} ended {done.RuntimeStatus} with {done.SerializedOutput}.");
                    }

                    if (round > 0)
                    {
                        (times.TryGetValue((shape, n), out var list) ? list : times[(shape, n)] = []).Add(seconds);
                    }
                }
            }
        }

        var md = new StringBuilder();
        md.AppendLine("| activities | shape | median (s) | min (s) | max (s) | activities/s (median) | ms per activity |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var ((shape, n), list) in times.OrderBy(kv => kv.Key.N).ThenBy(kv => kv.Key.Shape, StringComparer.Ordinal))
        {
            var sorted = list.Order().ToArray();
            var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
            md.AppendLine(string.Create(inv, $"| {n} | {shape} | {median:F2} | {sorted[0]:F2} | {sorted[^1]:F2} | {n / median:F1} | {1000 * median / n:F0} |"));
        }

        return md.ToString();
    }
}
