using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Host.Tests.Durable;

/// <summary>
/// The in-process sidecar when the worker drops its work-item stream and reconnects (the worker does so after a quiet
/// spell of its silent-disconnect timeout, 120 s by default; here shortened to force it).
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class SidecarReconnectTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_WorkerDropsItsStreamWhenever300MsPassWithoutAWorkItem_CompletesWithTheUninterruptedResult()
    {
        var reference = await RunPenguinsAsync(silentDisconnect: null, healthPings: "00:00:20");

        var logs = new RecordingLoggerProvider();
        var reconnecting = await RunPenguinsAsync(TimeSpan.FromMilliseconds(300), healthPings: "00:10:00", logs);

        Assert.True(logs.Count("ConnectionTimeout") > 0, "the worker never dropped its stream, so the test proved nothing");
        Assert.Equal(RunStatus.Completed, reconnecting.Status);
        Assert.Equal(Describe(reference), Describe(reconnecting));
        Assert.Equal(TrialsOf(reference), TrialsOf(reconnecting));
    }

    [Fact]
    public async Task Sidecar_IdleLongerThanTheWorkersSilentDisconnectTimeout_KeepsTheStreamWithHealthPings()
    {
        var logs = new RecordingLoggerProvider();
        // 12 pings per timeout: a thread-pool stall of a loaded 2-core machine must not pass for a dead stream.
        await using (var host = await StartAsync(TimeSpan.FromSeconds(3), healthPings: "00:00:00.250", logs))
        {
            await Task.Delay(TimeSpan.FromSeconds(8));
        }

        Assert.Equal(0, logs.Count("ConnectionTimeout"));
    }

    [Fact]
    public async Task Sidecar_IdleLongerThanTheWorkersSilentDisconnectTimeoutWithoutPings_LosesTheStream()
    {
        var logs = new RecordingLoggerProvider();
        await using (var host = await StartAsync(TimeSpan.FromSeconds(3), healthPings: "00:10:00", logs))
        {
            await Task.Delay(TimeSpan.FromSeconds(8));
        }

        Assert.True(logs.Count("ConnectionTimeout") > 0);
    }

    private async Task<RunState> RunPenguinsAsync(TimeSpan? silentDisconnect, string healthPings, RecordingLoggerProvider? logs = null)
    {
        await using var host = await StartAsync(silentDisconnect, healthPings, logs);
        var folder = "reconnect-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, folder);
        var started = await host.Runs.SubmitAsync(Samples.PenguinsHyperband(folder, seed: 11));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await host.Runs.WaitAsync(started.RunId, timeout.Token);
        return (await host.Store.ReadStateAsync(started.RunId))!.State;
    }

    private Task<EngineHost> StartAsync(TimeSpan? silentDisconnect, string healthPings, RecordingLoggerProvider? logs) =>
        EngineHost.StartAsync(
            azurite,
            configure: settings => settings["FunctionsOpt:DurableEngine:HealthPingInterval"] = healthPings,
            configureServices: services =>
            {
                if (silentDisconnect is { } timeout)
                {
                    services.PostConfigure<GrpcDurableTaskWorkerOptions>(o => o.SetSilentDisconnectTimeout(timeout));
                }
            },
            logs: logs);

    private static string Describe(RunState state) =>
        state.Trials.Single(t => t.TrialId == state.BestTrialId) is var t ? $"{t.Configuration} [{string.Join(',', t.Passes)}]" : "";

    private static string[] TrialsOf(RunState state) =>
        [.. state.Trials
            .Where(t => !t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal))
            .Select(t => $"{t.Rung}:{t.Configuration}:{t.Status}")
            .Order(StringComparer.Ordinal)];
}
