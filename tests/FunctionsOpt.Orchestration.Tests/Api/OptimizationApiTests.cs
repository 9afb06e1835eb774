using System.Text.Json;
using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Api;

/// <summary>The host-neutral API against the real local-folder store and the embedded durable engine.</summary>
public sealed class OptimizationApiTests : IAsyncLifetime
{
    private const string PenguinsModel = "penguins/model.onnx";
    private const string PenguinsData = "penguins/eval.csv";
    private const string BrokenModel = "broken/model.onnx";
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples", "penguins");
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);
    private readonly string _root = Directory.CreateTempSubdirectory("fopt-api-").FullName;
    private EmbeddedOptimizationHost _host = null!;
    private OptimizationApi _api = null!;

    public async Task InitializeAsync()
    {
        _host = await EmbeddedOptimizationHost.StartAsync(_root, o =>
        {
            o.MaxLatencyIterations = 5;
            o.MinLatencyIterations = 2;
            o.WarmupRuns = 1;
            o.WorkDirectory = Path.Combine(_root, "work");
        });
        _api = new OptimizationApi(_host.Runs, _host.Store);
        await _host.Store.UploadFileAsync(ArtifactLayout.Model(PenguinsModel), Path.Combine(Samples, "model.onnx"));
        await _host.Store.UploadFileAsync(ArtifactLayout.Model(PenguinsData), Path.Combine(Samples, "eval.csv"));
        using var notOnnx = new MemoryStream("this is not an ONNX model"u8.ToArray());
        await _host.Store.UploadAsync(ArtifactLayout.Model(BrokenModel), notOnnx);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await TestFolders.DeleteAsync(_root);
    }

    private static string Spec(string model = PenguinsModel, string data = PenguinsData, int seed = 0, int maxResource = 9) => $$"""
        {
          "schemaVersion": "1.0",
          "model": { "blob": "{{model}}" },
          "dataset": { "blob": "{{data}}", "input": "features", "labelColumn": "species" },
          "objective": { "metric": "sizeBytes" },
          "search": { "maxResource": {{maxResource}}, "eta": 3 },
          "passes": ["fp16", "quantize-dynamic"],
          "seed": {{seed}}
        }
        """;

    private static string RunIdOf(string json) => SpecHash.RunIdOf(SpecValidator.Default.Parse(json));

    private static JsonElement BodyOf(ApiResult result) => JsonDocument.Parse(result.SerializeBody()).RootElement;

    private async Task<string> StartFinishedFailedRunAsync(int seed = 0)
    {
        var started = await _api.StartAsync(Spec(model: BrokenModel, seed: seed));
        var runId = BodyOf(started).GetProperty("runId").GetString()!;
        using var timeout = new CancellationTokenSource(RunTimeout);
        await _host.WaitAsync(runId, timeout.Token);
        return runId;
    }

    [Fact]
    public async Task StartAsync_SpecWithSeveralProblems_Returns400ProblemListingEveryOne()
    {
        const string json = """
            { "schemaVersion": "1.0", "model": { "blob": "m.onnx" }, "dataset": { "blob": "d.csv", "input": "x", "labelColumn": "y" },
              "search": { "eta": 1 }, "passes": ["no-such-pass"], "seed": 1.5 }
            """;

        var result = await _api.StartAsync(json);

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("application/problem+json", result.ContentType);
        var body = BodyOf(result);
        Assert.Equal("invalid-spec", body.GetProperty("code").GetString());
        Assert.Equal("urn:functionsopt:problem:invalid-spec", body.GetProperty("type").GetString());
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.Equal("/api/optimizations", body.GetProperty("instance").GetString());
        var paths = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["$.passes[0]", "$.search.eta", "$.seed"], paths);
        Assert.All(body.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("fix").GetString())));
    }

    [Fact]
    public async Task StartAsync_NotJson_Returns400InvalidSpec()
    {
        var result = await _api.StartAsync("{ not json");

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("invalid-spec", result.Problem!.Code);
        Assert.Equal("$", Assert.Single(result.Problem.Errors!).Path);
    }

    [Fact]
    public async Task StartAsync_LocalPaths_Returns400NamingBothPaths()
    {
        const string json = """
            { "schemaVersion": "1.0", "model": { "path": "/etc/model.onnx" }, "dataset": { "path": "/etc/d.csv", "input": "x", "labelColumn": "y" } }
            """;

        var result = await _api.StartAsync(json);

        Assert.Equal(400, result.StatusCode);
        Assert.Equal(["$.model.path", "$.dataset.path"], result.Problem!.Errors!.Select(e => e.Path));
    }

    [Fact]
    public async Task StartAsync_MissingModelAndDataBlobs_Returns400NamingEachBlobAndStartsNothing()
    {
        var result = await _api.StartAsync(Spec(model: "absent/model.onnx", data: "absent/eval.csv"));

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("artifact-not-found", result.Problem!.Code);
        Assert.Equal(["$.model.blob", "$.dataset.blob"], result.Problem.Errors!.Select(e => e.Path));
        Assert.Contains("\"models/absent/model.onnx\"", result.Problem.Detail, StringComparison.Ordinal);
        Assert.Contains("\"models/absent/eval.csv\"", result.Problem.Detail, StringComparison.Ordinal);
        Assert.Empty(await _host.Client.GetAllInstancesAsync().ToListAsync());
    }

    [Fact]
    public async Task StartAsync_ValidSpec_Returns202WithRunIdLocationAndLinks()
    {
        var json = Spec();
        var runId = RunIdOf(json);

        var result = await _api.StartAsync(json);

        Assert.Equal(202, result.StatusCode);
        Assert.Equal("application/json", result.ContentType);
        Assert.Equal($"/api/optimizations/{runId}", result.Headers["Location"]);
        Assert.Equal("10", result.Headers["Retry-After"]);
        var body = BodyOf(result);
        Assert.Equal(runId, body.GetProperty("runId").GetString());
        Assert.True(body.GetProperty("started").GetBoolean());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        var links = body.GetProperty("links");
        Assert.Equal($"/api/optimizations/{runId}", links.GetProperty("status").GetString());
        Assert.Equal($"/api/optimizations/{runId}/cancel", links.GetProperty("cancel").GetString());
        Assert.Equal($"/api/optimizations/{runId}/report", links.GetProperty("report").GetString());
        Assert.Equal($"runs/{runId}/best/model.onnx", links.GetProperty("bestModel").GetString());
        Assert.NotNull(await _host.Client.GetInstanceAsync(runId));
        await _api.CancelAsync(runId);
    }

    [Fact]
    public async Task StartAsync_SameSpecTwice_SecondIs200WithStartedFalseAndOneInstance()
    {
        var runId = await StartFinishedFailedRunAsync();

        var again = await _api.StartAsync(Spec(model: BrokenModel));

        Assert.Equal(200, again.StatusCode);
        var body = BodyOf(again);
        Assert.Equal(runId, body.GetProperty("runId").GetString());
        Assert.False(body.GetProperty("started").GetBoolean());
        Assert.Equal("failed", body.GetProperty("status").GetString());
        Assert.Single(await _host.Client.GetAllInstancesAsync().ToListAsync());
    }

    [Fact]
    public async Task StartAsync_EightIdenticalSpecsAtOnce_ExactlyOne202StartedTheOthers200NotStarted()
    {
        var spec = Spec(model: BrokenModel, seed: 4242);
        using var go = new ManualResetEventSlim();
        // One API and client per request, as the Functions app builds them; all released together.
        var calls = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var api = new OptimizationApi(new OptimizationRunClient(_host.Client, _host.Store), _host.Store);
            go.Wait();
            return await api.StartAsync(spec);
        })).ToArray();
        go.Set();
        var results = await Task.WhenAll(calls);

        var runId = RunIdOf(spec);
        Assert.Single(results, r => r.StatusCode == 202 && BodyOf(r).GetProperty("started").GetBoolean());
        Assert.Equal(7, results.Count(r => r.StatusCode == 200 && !BodyOf(r).GetProperty("started").GetBoolean()));
        Assert.All(results, r => Assert.Equal(runId, BodyOf(r).GetProperty("runId").GetString()));
        Assert.Single(await _host.Client.GetAllInstancesAsync().ToListAsync(), i => i.InstanceId == runId);
        await _host.WaitAsync(runId);
    }

    [Theory]
    [InlineData("run-0000000000000000")]
    public async Task GetAsync_UnknownRun_Returns404(string runId)
    {
        var result = await _api.GetAsync(runId);

        Assert.Equal(404, result.StatusCode);
        Assert.Equal("run-not-found", result.Problem!.Code);
        Assert.Equal($"/api/optimizations/{runId}", result.Problem.Instance);
    }

    [Fact]
    public async Task GetAsync_MalformedRunId_Returns400()
    {
        var result = await _api.GetAsync("run/../x");

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("invalid-run-id", result.Problem!.Code);
    }

    [Fact]
    public async Task GetAsync_RunThatFailedValidation_ReturnsFailedWithTheTypedErrorFromStateJson()
    {
        var runId = await StartFinishedFailedRunAsync();

        var result = await _api.GetAsync(runId);

        Assert.Equal(200, result.StatusCode);
        var view = Assert.IsType<RunView>(result.Body);
        Assert.Equal(RunStatus.Failed, view.Status);
        Assert.Equal("Completed", view.RuntimeStatus);
        var state = (await _host.Store.ReadStateAsync(runId))!.State;
        Assert.Equal(state.Errors, view.Errors);
        Assert.Equal("invalid-model", Assert.Single(view.Errors).Code);
        Assert.Equal(state.Timings.CompletedAt, view.CompletedAt);
        Assert.Equal($"runs/{runId}/report.json", view.Artifacts["report"]);
        Assert.Equal(ApiRoutes.LinksOf(runId), view.Links);
    }

    [Fact]
    public async Task CancelAsync_RunningRun_Returns202AndTheRunEndsCancelled()
    {
        var json = Spec(maxResource: 27);
        var runId = BodyOf(await _api.StartAsync(json)).GetProperty("runId").GetString()!;

        var result = await _api.CancelAsync(runId);
        using var timeout = new CancellationTokenSource(RunTimeout);
        var summary = await _host.WaitAsync(runId, timeout.Token);

        Assert.Equal(202, result.StatusCode);
        Assert.Equal($"/api/optimizations/{runId}", result.Headers["Location"]);
        Assert.Equal(RunStatus.Cancelled, summary!.Status);
        var view = Assert.IsType<RunView>((await _api.GetAsync(runId)).Body);
        Assert.Equal(RunStatus.Cancelled, view.Status);
        Assert.Equal(RunStatus.Cancelled, (await _host.Store.ReadStateAsync(runId))!.State.Status);
    }

    [Fact]
    public async Task CancelAsync_FinishedRun_Returns409()
    {
        var runId = await StartFinishedFailedRunAsync();

        var result = await _api.CancelAsync(runId);

        Assert.Equal(409, result.StatusCode);
        Assert.Equal("run-finished", result.Problem!.Code);
        Assert.Contains("Failed", result.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelAsync_UnknownRun_Returns404()
    {
        var result = await _api.CancelAsync("run-0000000000000000");

        Assert.Equal(404, result.StatusCode);
    }

    [Fact]
    public async Task ReportAsync_RunStillGoing_Returns409WithRetryAfter()
    {
        var runId = BodyOf(await _api.StartAsync(Spec(maxResource: 27))).GetProperty("runId").GetString()!;

        var result = await _api.ReportAsync(runId);

        Assert.Equal(409, result.StatusCode);
        Assert.Equal("report-not-ready", result.Problem!.Code);
        Assert.Equal("10", result.Headers["Retry-After"]);
        await _api.CancelAsync(runId);
    }

    [Fact]
    public async Task ReportAsync_EndedRun_Returns200WithTheStoredReportJson()
    {
        var runId = await StartFinishedFailedRunAsync();

        var result = await _api.ReportAsync(runId);

        Assert.Equal(200, result.StatusCode);
        var stored = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_root, "runs", runId, "report.json"))).RootElement;
        Assert.Equal(JsonSerializer.Serialize(stored), JsonSerializer.Serialize(BodyOf(result)));
        Assert.Equal(runId, BodyOf(result).GetProperty("runId").GetString());
    }

    [Fact]
    public async Task ReportAsync_UnknownRun_Returns404()
    {
        var result = await _api.ReportAsync("run-0000000000000000");

        Assert.Equal(404, result.StatusCode);
        Assert.Equal("run-not-found", result.Problem!.Code);
    }

    [Fact]
    public async Task ListAsync_PageSizeTwoOverThreeRuns_PagesThroughEveryRunOnce()
    {
        var expected = new List<string>();
        for (var seed = 1; seed <= 3; seed++)
        {
            expected.Add(await StartFinishedFailedRunAsync(seed));
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var result = await _api.ListAsync(null, token, "2");
            Assert.Equal(200, result.StatusCode);
            var page = Assert.IsType<RunListPage>(result.Body);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(i => i.RunId));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(expected.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.True(pages >= 2, $"{pages} page(s)");
    }

    [Fact]
    public async Task ListAsync_FilterByStatus_ReturnsOnlyRunsWithThatStatus()
    {
        var failed = await StartFinishedFailedRunAsync();
        var running = BodyOf(await _api.StartAsync(Spec(maxResource: 27))).GetProperty("runId").GetString()!;

        var failedPage = Assert.IsType<RunListPage>((await _api.ListAsync("FAILED", null, null)).Body);
        var completedPage = Assert.IsType<RunListPage>((await _api.ListAsync("completed", null, null)).Body);
        var allPage = Assert.IsType<RunListPage>((await _api.ListAsync(null, null, null)).Body);

        var item = Assert.Single(failedPage.Items);
        Assert.Equal(failed, item.RunId);
        Assert.Equal(RunStatus.Failed, item.Status);
        Assert.Empty(completedPage.Items);
        Assert.Equal(new[] { failed, running }.Order(StringComparer.Ordinal), allPage.Items.Select(i => i.RunId).Order(StringComparer.Ordinal));
        await _api.CancelAsync(running);
    }

    [Theory]
    [InlineData("nope", null)]
    [InlineData("1", null)]
    [InlineData("Failed,Completed", null)]
    [InlineData(null, "0")]
    [InlineData(null, "501")]
    [InlineData(null, "ten")]
    public async Task ListAsync_InvalidQuery_Returns400(string? status, string? pageSize)
    {
        var result = await _api.ListAsync(status, null, pageSize);

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("invalid-query", result.Problem!.Code);
    }

    [Fact]
    public async Task SubmitDroppedSpecAsync_InvalidSpec_WritesTypedErrorRecordNextToIt()
    {
        var outcome = await _api.SubmitDroppedSpecAsync("team/penguins.opt.json", Spec(model: "absent/model.onnx"));

        Assert.False(outcome.Accepted);
        Assert.Null(outcome.RunId);
        await using var stream = await _host.Store.OpenReadAsync(ArtifactLayout.Model("team/penguins.opt.error.json"));
        var record = JsonDocument.Parse(stream).RootElement;
        Assert.Equal("models/team/penguins.opt.json", record.GetProperty("spec").GetString());
        Assert.Equal("artifact-not-found", record.GetProperty("code").GetString());
        Assert.Equal("$.model.blob", Assert.Single(record.GetProperty("errors").EnumerateArray().ToList()).GetProperty("path").GetString());
    }

    [Fact]
    public async Task SubmitDroppedSpecAsync_ValidSpec_StartsTheRunOfTheSpecHashAndWritesNoErrorRecord()
    {
        var json = Spec(model: BrokenModel);

        var outcome = await _api.SubmitDroppedSpecAsync("penguins.opt.json", json);

        Assert.True(outcome.Accepted);
        Assert.True(outcome.Started);
        Assert.Equal(RunIdOf(json), outcome.RunId);
        Assert.False(await _host.Store.ExistsAsync(ArtifactLayout.Model("penguins.opt.error.json")));
        using var timeout = new CancellationTokenSource(RunTimeout);
        await _host.WaitAsync(outcome.RunId!, timeout.Token);
    }
}
