using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Hosting.Http;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Host.Tests.Http;

/// <summary>
/// The HTTP / CI journey through the portable host: real Azurite, the durable engine on Azure Storage, real ONNX
/// Runtime on the penguins sample, every call over HTTP with the API key.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class HttpApiJourneyTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string ApiKey = "journey-key-0123456789";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);
    private readonly string _work = Directory.CreateTempSubdirectory("fopt-http-journey-").FullName;
    private ApiHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var settings = EngineHost.Settings(azurite, EngineHost.NewTaskHub(), _work, ingestion: false);
        settings[ApiOptions.SectionName + ":ApiKey"] = ApiKey;
        _host = await ApiHost.StartAsync(settings);
        _client = _host.Client(ApiKey);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Journey_StartPollListCancelAndReport_EachRunEndsAsAskedAndTheReportIsTheStoredOne()
    {
        var folder = "http-" + Guid.NewGuid().ToString("N")[..8];
        await EngineHost.UploadPenguinsAsync(azurite, folder);
        var first = Samples.PenguinsHyperband(folder, seed: 3);
        // A different seed and a larger budget: long enough to be cancelled mid-search.
        var second = Samples.PenguinsHyperband(folder, seed: 17) with { Search = new SearchSpec { MaxResource = 27, Eta = 3 } };

        var started = await StartAsync(first, HttpStatusCode.Accepted);
        var duplicate = await StartAsync(first, HttpStatusCode.OK);
        var cancelled = await StartAsync(second, HttpStatusCode.Accepted);

        Assert.Equal(SpecHash.RunIdOf(first), started.RunId);
        Assert.True(started.Started);
        Assert.Equal(new RunLinks($"/api/optimizations/{started.RunId}", $"/api/optimizations/{started.RunId}/cancel", $"/api/optimizations/{started.RunId}/report", $"runs/{started.RunId}/best/model.onnx"), started.Links);
        Assert.Equal(started.RunId, duplicate.RunId);
        Assert.False(duplicate.Started);
        Assert.Equal(SpecHash.RunIdOf(second), cancelled.RunId);

        // Cancel the second run once it has recorded search trials.
        var midway = await PollAsync(cancelled.RunId, v => v.Status == RunStatus.Searching && v.TrialsRecorded >= 2);
        var cancel = await _client.PostAsync($"/api/optimizations/{cancelled.RunId}/cancel", null);
        Assert.True(cancel.StatusCode == HttpStatusCode.Accepted, await cancel.Content.ReadAsStringAsync());
        Assert.Equal($"/api/optimizations/{cancelled.RunId}", cancel.Headers.Location?.OriginalString);

        var cancelledView = await PollAsync(cancelled.RunId, v => IsEnded(v.Status));
        var completedView = await PollAsync(started.RunId, v => IsEnded(v.Status));

        Assert.Equal(RunStatus.Cancelled, cancelledView.Status);
        var cancelledState = (await _host.Store.ReadStateAsync(cancelled.RunId))!.State;
        Assert.Equal(RunStatus.Cancelled, cancelledState.Status);
        Assert.True(cancelledState.Trials.Count >= midway.TrialsRecorded, $"{cancelledState.Trials.Count} trials kept, {midway.TrialsRecorded} seen before the cancel");
        Assert.True(cancelledView.TrialsRecorded >= midway.TrialsRecorded);
        // The rung had 27 trials queued; only those in flight around the cancel (two activities at a time) may
        // still be recorded. Before queued trials were skipped, all 27 ran and were recorded before the run ended.
        Assert.InRange(cancelledState.Trials.Count, midway.TrialsRecorded, midway.TrialsRecorded + 4);
        Assert.NotNull(cancelledState.Timings.CancelRequestedAt);
        Assert.DoesNotContain(cancelledState.Trials, t => t.TrialId.StartsWith("final-", StringComparison.Ordinal));

        Assert.Equal(RunStatus.Completed, completedView.Status);
        // By now the engine has delivered every trial the cancelled run had queued (two activities at a time, shared
        // with the first run): they were skipped, and the record the run ended with never changed.
        var cancelledLater = (await _host.Store.ReadStateAsync(cancelled.RunId))!.State;
        Assert.Equal(cancelledState.Version, cancelledLater.Version);
        Assert.Equal(cancelledState.Trials.Count, cancelledLater.Trials.Count);
        Assert.NotNull(completedView.Best);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.PostAsync($"/api/optimizations/{started.RunId}/cancel", null)).StatusCode);

        // Listing: both runs, then one per status filter (any case).
        Assert.Equal(new[] { cancelled.RunId, started.RunId }.Order(StringComparer.Ordinal), (await ListAsync(null)).Order(StringComparer.Ordinal));
        Assert.Equal([started.RunId], await ListAsync("completed"));
        Assert.Equal([cancelled.RunId], await ListAsync("Cancelled"));
        Assert.Empty(await ListAsync("Failed"));

        // The report over HTTP is the report.json the run stored.
        var report = await _client.GetAsync($"/api/optimizations/{started.RunId}/report");
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        var served = JsonNode.Parse(await report.Content.ReadAsStringAsync());
        await using var stored = await _host.Store.OpenReadAsync(ArtifactLayout.Report(started.RunId));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stored), served));
        Assert.Equal(started.RunId, served!["runId"]!.GetValue<string>());
        Assert.Equal("completed", served["status"]!.GetValue<string>());
    }

    private static bool IsEnded(RunStatus status) => status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;

    private async Task<RunAccepted> StartAsync(OptimizationSpec spec, HttpStatusCode expected)
    {
        using var body = new StringContent(JsonSerializer.Serialize(spec, JsonDefaults.Options), Encoding.UTF8, "application/json");
        var response = await _client.PostAsync("/api/optimizations", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
        var accepted = JsonSerializer.Deserialize<RunAccepted>(text, JsonDefaults.Options)!;
        Assert.Equal($"/api/optimizations/{accepted.RunId}", response.Headers.Location?.OriginalString);
        return accepted;
    }

    private async Task<RunView> PollAsync(string runId, Func<RunView, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var view = (await _client.GetFromJsonAsync<RunView>($"/api/optimizations/{runId}", JsonDefaults.Options))!;
            if (done(view))
            {
                return view;
            }

            if (clock.Elapsed > RunTimeout || IsEnded(view.Status))
            {
                throw new TimeoutException($"Run {runId} is {view.Status} after {clock.Elapsed} without reaching the awaited state.");
            }

            await Task.Delay(250);
        }
    }

    private async Task<List<string>> ListAsync(string? status)
    {
        var ids = new List<string>();
        string? token = null;
        do
        {
            var query = "?pageSize=1" + (status is null ? string.Empty : "&status=" + status) + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token));
            var page = (await _client.GetFromJsonAsync<RunListPage>("/api/optimizations" + query, JsonDefaults.Options))!;
            ids.AddRange(page.Items.Select(i => i.RunId));
            token = page.ContinuationToken;
        }
        while (token is not null);

        return ids;
    }
}
