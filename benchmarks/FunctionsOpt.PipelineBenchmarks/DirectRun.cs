using System.Diagnostics;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.PipelineBenchmarks;

/// <summary>
/// The orchestrator's steps as a plain loop in this process, over the same activity classes the engine runs (each
/// created per call, as the worker does): what a run costs without a durable engine. Run events (log-only by
/// default) are not published.
/// </summary>
internal static class DirectRun
{
    /// <summary>Latency iterations per measurement, the same in every contender.</summary>
    public const int MaxLatencyIterations = 20;

    /// <summary>Minimum latency iterations per measurement.</summary>
    public const int MinLatencyIterations = 5;

    /// <summary>Trials run at once, as the engines' activity concurrency (2 on this machine).</summary>
    public const int Parallelism = 2;

    public static Action<OptimizationOptions> Configure(string work) => o =>
    {
        o.MaxLatencyIterations = MaxLatencyIterations;
        o.MinLatencyIterations = MinLatencyIterations;
        o.WorkDirectory = work;
    };

    public static async Task<BenchRun> RunAsync(OptimizationSpec spec, string root)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // The options bind from configuration (empty here: the values are set below, as the engines get them).
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        var store = new LocalFolderArtifactStore(root);
        services.AddSingleton<IArtifactStore>(store);
        services.AddFunctionsOptOrchestrations();
        services.PostConfigure(Configure(Path.Combine(root, "work")));
        await using var provider = services.BuildServiceProvider();
        var context = new DirectActivityContext();
        T Activity<T>() => ActivatorUtilities.CreateInstance<T>(provider);

        var clock = Stopwatch.StartNew();
        var runId = SpecHash.RunIdOf(spec);
        var input = new OptimizationInput(runId, spec);
        Task Phase(RunStatus status, int? rung) => Activity<UpdatePhaseActivity>().RunAsync(context, new PhaseInput(runId, status, rung, DateTimeOffset.UtcNow));
        async Task<IReadOnlyList<TrialSummary>> FanOutAsync(IReadOnlyList<TrialWork> trials)
        {
            var results = new TrialSummary[trials.Count];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, trials.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
                async (i, _) => results[i] = await Activity<RunTrialActivity>().RunAsync(context, new TrialActivityInput(runId, spec, trials[i])));
            return results;
        }

        var validation = await Activity<ValidateRunActivity>().RunAsync(context, input);
        if (!validation.Ok)
        {
            throw new InvalidOperationException($"The benchmark spec is invalid: {validation.ErrorCode}: {validation.Message}");
        }

        await Phase(RunStatus.ProfilingBaseline, null);
        var baseline = await Activity<ProfileBaselineActivity>().RunAsync(context, input);
        if (!baseline.Ok)
        {
            throw new InvalidOperationException($"The baseline failed: {baseline.ErrorCode}: {baseline.Message}");
        }

        string? schedulerState = null;
        IReadOnlyList<TrialSummary> results = [];
        SchedulerStepOutput step;
        while (true)
        {
            step = await Activity<SchedulerStepActivity>().RunAsync(
                context, new SchedulerStepInput(runId, spec, schedulerState, results, DateTimeOffset.UtcNow, OptimizationOrchestrator.MaxParallelTrials));
            schedulerState = step.SchedulerState;
            if (step.Finished)
            {
                break;
            }

            await Phase(RunStatus.Searching, step.Trials.Max(t => t.Rung));
            results = await FanOutAsync(step.Trials);
        }

        await Phase(RunStatus.FinalEvaluation, null);
        var finals = await FanOutAsync(step.Finals);
        await Activity<FinishRunActivity>().RunAsync(context, new FinishInput(runId, spec, RunStatus.Completed, finals, schedulerState, step.StopReason, null));
        return BenchRun.From((await store.ReadStateAsync(runId))!.State, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The activities read nothing from their context; this one names the run and nothing else.</summary>
    private sealed class DirectActivityContext : TaskActivityContext
    {
        public override TaskName Name => new("direct");

        public override string InstanceId => "direct";
    }
}
