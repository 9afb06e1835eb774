using System.Diagnostics;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;

namespace FunctionsOpt.PipelineBenchmarks;

/// <summary>How one run ended and how long it took.</summary>
internal sealed record BenchRun(double Seconds, RunStatus Status, int Trials, string Best, string BestPasses)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    /// <summary>Polls the run's state record every 50 ms until it is terminal; the time is <paramref name="clock"/>'s then.</summary>
    public static async Task<BenchRun> WaitAsync(IArtifactStore store, string runId, Stopwatch clock)
    {
        while (clock.Elapsed < Limit)
        {
            if (await store.ReadStateAsync(runId) is { State: { IsTerminal: true } state })
            {
                return From(state, clock.Elapsed.TotalSeconds);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Run {runId} did not end within {Limit}.");
    }

    public static BenchRun From(RunState state, double seconds)
    {
        var best = state.Trials.FirstOrDefault(t => t.TrialId == state.BestTrialId);
        return new BenchRun(
            seconds,
            state.Status,
            state.Trials.Count(t => !t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal)),
            best is null ? "(none)" : best.Configuration,
            best is null ? "(none)" : string.Join(", ", best.Passes));
    }
}
