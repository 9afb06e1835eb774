using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Queues;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;

namespace FunctionsOpt.Host.Tests.Durable;

[Collection(AzuriteGroup.Name)]
public sealed class HostDurabilityTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("fopt-host-kill-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_temp, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may have left a file open for a moment; a leftover temp folder is harmless.
        }
    }

    [Fact]
    public async Task HostProcess_KilledMidRungAndRestarted_CompletesWithTheUninterruptedBestAndNoTrialTwice()
    {
        // The uninterrupted run (in process) of the same search: same seed, its own copy of the inputs.
        var referenceFolder = "ref-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, referenceFolder);
        RunState reference;
        await using (var host = await EngineHost.StartAsync(azurite))
        {
            var started = await host.Runs.SubmitAsync(Samples.PenguinsHyperband(referenceFolder, seed: 7));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await host.Runs.WaitAsync(started.RunId, timeout.Token);
            reference = (await host.Store.ReadStateAsync(started.RunId))!.State;
        }

        // The same search submitted through the queue to a separate host process, killed mid-rung, restarted.
        var folder = "kill-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, folder);
        var spec = Samples.PenguinsHyperband(folder, seed: 7);
        var runId = SpecHash.RunIdOf(spec);
        var queue = "requests-" + Guid.NewGuid().ToString("N")[..8];
        var settings = EngineHost.Settings(azurite, EngineHost.NewTaskHub(), Path.Combine(_temp, "work"), ingestion: true);
        settings["FunctionsOpt:Ingestion:BlobWatcherEnabled"] = "false";
        // Timestamps in the host log that a timeout reports, to tell a stall from a slow machine.
        settings["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ";
        settings["FunctionsOpt:Ingestion:RequestQueueName"] = queue;
        settings["FunctionsOpt:Ingestion:PoisonQueueName"] = queue + "-poison";
        var requests = new QueueServiceClient(azurite.ConnectionString).GetQueueClient(queue);
        await requests.CreateIfNotExistsAsync();
        await requests.SendMessageAsync(JsonSerializer.Serialize(spec, JsonDefaults.Options));
        var store = new AzureBlobArtifactStore(azurite.ConnectionString);
        var log = Path.Combine(_temp, "host.log");

        int trialsAtKill;
        using (var first = HostProcess.Start(settings, log))
        {
            var midRung = await WaitForStateAsync(store, runId, s => s.Status == RunStatus.Searching && SearchTrials(s).Count() >= 4, first, log, TimeSpan.FromMinutes(3));
            first.Kill();
            trialsAtKill = SearchTrials(midRung).Count();
        }

        RunState final;
        using (var second = HostProcess.Start(settings, log))
        {
            final = await WaitForStateAsync(store, runId, s => s.IsTerminal, second, log, TimeSpan.FromMinutes(4));
        }

        Assert.True(trialsAtKill < SearchTrials(reference).Count(), "the kill came after the search had finished");
        var starts = (await File.ReadAllLinesAsync(log)).Count(l => l.Contains("Durable sidecar over the AzureStorage backend listening", StringComparison.Ordinal));
        Assert.Equal(2, starts);
        Assert.Equal(RunStatus.Completed, final.Status);
        Assert.Equal(Describe(reference, reference.BestTrialId), Describe(final, final.BestTrialId));
        var ids = final.Trials.Select(t => t.TrialId).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(
            SearchTrials(reference).Select(t => $"{t.Rung}:{t.Configuration}").Order(StringComparer.Ordinal),
            SearchTrials(final).Select(t => $"{t.Rung}:{t.Configuration}").Order(StringComparer.Ordinal));
        Assert.True(await store.ExistsAsync(ArtifactLayout.Report(runId)));
    }

    private static IEnumerable<TrialResult> SearchTrials(RunState state) =>
        state.Trials.Where(t => !t.TrialId.StartsWith(RunResultsWriter.FinalPrefix, StringComparison.Ordinal));

    private static string Describe(RunState state, string? trialId) =>
        state.Trials.Single(t => t.TrialId == trialId) is var t ? $"{t.Configuration} [{string.Join(',', t.Passes)}]" : "";

    private static async Task<RunState> WaitForStateAsync(AzureBlobArtifactStore store, string runId, Func<RunState, bool> done, HostProcess process, string log, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("The host exited on its own:\n" + await File.ReadAllTextAsync(log));
            }

            if (await store.ReadStateAsync(runId) is { State: var state } && done(state))
            {
                return state;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Run {runId} did not reach the expected state within {timeout}; host log:\n{await File.ReadAllTextAsync(log)}");
    }
}
