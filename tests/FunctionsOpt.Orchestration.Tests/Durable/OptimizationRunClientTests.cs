using System.Diagnostics;
using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.DurableTask.Client;

namespace FunctionsOpt.Orchestration.Tests.Durable;

/// <summary>Terminating runs on the embedded engine (real durable engine, real trials) and what the state record says after.</summary>
public sealed class OptimizationRunClientTests : IAsyncLifetime
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples", "penguins");
    private readonly string _root = Directory.CreateTempSubdirectory("fopt-terminate-").FullName;
    private EmbeddedOptimizationHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await EmbeddedOptimizationHost.StartAsync(_root, o =>
        {
            // Slow trials (many latency iterations) so that the run is still searching when it is terminated.
            o.MaxLatencyIterations = 400;
            o.MinLatencyIterations = 400;
            o.WorkDirectory = Path.Combine(_root, "work");
        });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task TerminateAsync_RunMidSearch_EndsTerminatedAndTheRecordCancelledWithTheTrialsSoFar()
    {
        var runs = new OptimizationRunClient(_host.Client, _host.Store);
        var runId = (await runs.SubmitAsync(Spec(seed: 21))).RunId;
        var searching = await WaitForStateAsync(runId, s => s.Status == RunStatus.Searching && s.Trials.Count >= 1);

        var final = await runs.TerminateAsync(runId, "test stop");

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, final);
        var state = (await _host.Store.ReadStateAsync(runId))!.State;
        Assert.Equal(RunStatus.Cancelled, state.Status);
        Assert.Equal("terminated: test stop", state.Outcome!.StopReason);
        Assert.NotNull(state.Timings.CompletedAt);
        Assert.Null(state.CurrentRung);
        Assert.True(state.Trials.Count >= searching.Trials.Count);
        Assert.Equal(SpecHash.RunIdOf(searching.Spec), SpecHash.RunIdOf(state.Spec));
    }

    [Fact]
    public async Task GetInstanceAsync_RunTerminatedByAnotherClient_ReconcilesTheRecordToCancelledOnce()
    {
        var runs = new OptimizationRunClient(_host.Client, _host.Store);
        var runId = (await runs.SubmitAsync(Spec(seed: 22))).RunId;
        await WaitForStateAsync(runId, s => s.Status == RunStatus.Searching);

        // Terminated through the bare engine client: nothing touches the record, which still says the run is searching.
        await _host.Client.TerminateInstanceAsync(runId, "bare terminate");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _host.Client.WaitForInstanceCompletionAsync(runId, timeout.Token);
        var before = (await _host.Store.ReadStateAsync(runId))!.State;
        var metadata = await runs.GetInstanceAsync(runId);
        var reconciled = (await _host.Store.ReadStateAsync(runId))!.State;

        // Trials in flight when the run was terminated may still record their results; once they have, a second
        // reconciliation writes nothing.
        var settled = await SettledAsync(runId);
        await runs.GetInstanceAsync(runId);
        var again = (await _host.Store.ReadStateAsync(runId))!.State;

        Assert.False(before.IsTerminal);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, metadata!.RuntimeStatus);
        Assert.Equal(RunStatus.Cancelled, reconciled.Status);
        Assert.Equal("terminated: bare terminate", reconciled.Outcome!.StopReason);
        Assert.Equal(settled.Version, again.Version);
        Assert.Equal(RunStatus.Cancelled, again.Status);
    }

    [Fact]
    public async Task TerminateAsync_WithoutAStore_ThrowsBeforeTerminating()
    {
        var runs = new OptimizationRunClient(_host.Client);

        await Assert.ThrowsAsync<InvalidOperationException>(() => runs.TerminateAsync("run-0000000000000000"));
    }

    [Fact]
    public async Task SubmitWithIdAsync_CompletedRecordTheEngineForgot_NotStartedAndTheRecordByteIdentical()
    {
        var runs = new OptimizationRunClient(_host.Client, _host.Store);
        var spec = Spec(seed: 31);
        var runId = SpecHash.RunIdOf(spec);
        var completed = RunState.Create(runId, spec, DateTimeOffset.UnixEpoch) with { Status = RunStatus.Completed };
        Assert.True((await _host.Store.TryWriteStateAsync(completed, null)).Written);
        var file = Path.Combine(_root, "runs", runId, "state.json");
        var before = await File.ReadAllBytesAsync(file);

        var result = await runs.SubmitWithIdAsync(spec, runId);

        Assert.False(result.Started);
        Assert.Null(await _host.Client.GetInstanceAsync(runId));
        Assert.Equal(before, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task ReopenCancelledAsync_TerminatedRun_PendingWithItsTrialsAndStartsAgain()
    {
        var runs = new OptimizationRunClient(_host.Client, _host.Store);
        var spec = Spec(seed: 32);
        var runId = (await runs.SubmitAsync(spec)).RunId;
        await WaitForStateAsync(runId, s => s.Status == RunStatus.Searching && s.Trials.Count >= 1);
        await runs.TerminateAsync(runId, "test stop");
        var cancelled = (await _host.Store.ReadStateAsync(runId))!.State;
        await _host.Client.PurgeInstanceAsync(runId);

        var reopened = await runs.ReopenCancelledAsync(runId);

        Assert.NotNull(reopened);
        Assert.Equal(RunStatus.Pending, reopened.Status);
        Assert.Equal(cancelled.Trials.Select(t => t.TrialId), reopened.Trials.Select(t => t.TrialId));
        Assert.Null(reopened.Timings.CancelRequestedAt);
        Assert.Null(reopened.Timings.CompletedAt);
        Assert.Null(reopened.Outcome);
        Assert.True((await runs.SubmitWithIdAsync(spec, runId)).Started);
        await runs.TerminateAsync(runId, "test stop again");
    }

    private static OptimizationSpec Spec(long seed) => new()
    {
        Model = new ModelReference { Path = Path.Combine(Samples, "model.onnx") },
        Dataset = new DatasetReference { Path = Path.Combine(Samples, "eval.csv"), LabelColumn = "species", Input = "features" },
        Objective = new ObjectiveSpec { Metric = ObjectiveMetric.SizeBytes },
        Constraints = new ConstraintsSpec { Quality = [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }] },
        Search = new SearchSpec { MaxResource = 27, Eta = 3 },
        Passes = ["prune-magnitude", "fp16", "quantize-dynamic", "quantize-static"],
        Seed = seed,
    };

    /// <summary>The record once it has not changed for a second.</summary>
    private async Task<RunState> SettledAsync(string runId)
    {
        var last = (await _host.Store.ReadStateAsync(runId))!.State;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = (await _host.Store.ReadStateAsync(runId))!.State;
            if (now.Version == last.Version)
            {
                return now;
            }

            last = now;
        }
    }

    private async Task<RunState> WaitForStateAsync(string runId, Func<RunState, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (await _host.Store.ReadStateAsync(runId) is { State: var state } && done(state))
            {
                return state;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Run {runId} did not reach the expected state within 2 min.");
    }
}
