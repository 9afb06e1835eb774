using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FunctionsOpt.Host.Tests.TestKit;
using FunctionsOpt.Hosting.Http;

namespace FunctionsOpt.Host.Tests.Http;

/// <summary>
/// The HTTP surface of the portable host (API key, routing, body limits, problem details) on the real in-memory
/// durable engine and a local-folder store; the Azurite journey is in <see cref="HttpApiJourneyTests"/>.
/// </summary>
public sealed class HttpApiEndpointsTests : IAsyncLifetime
{
    private const string ApiKey = "test-key-0123456789abcdef";
    private const string ProblemJson = "application/problem+json";
    private readonly string _root = Directory.CreateTempSubdirectory("fopt-http-").FullName;
    private ApiHost _host = null!;

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync(ApiHost.InMemorySettings(_root, ApiKey));

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Api_WithoutOrWithWrongKey_Returns401ProblemWhileHealthzStaysOpen()
    {
        using var spec = Json("{}");
        var noKey = await _host.Client().PostAsync("/api/optimizations", spec);
        var wrongKey = await _host.Client("test-key-0123456789abcdeF").GetAsync("/api/optimizations");
        var health = await _host.Client().GetAsync("/healthz");

        var problem = await ProblemOf(noKey, HttpStatusCode.Unauthorized);
        Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
        Assert.Equal("urn:functionsopt:problem:unauthorized", problem.GetProperty("type").GetString());
        Assert.Contains("x-api-key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("unauthorized", (await ProblemOf(wrongKey, HttpStatusCode.Unauthorized)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_InvalidSpec_Returns400NamingEveryProblemWithItsPath()
    {
        // Three independent mistakes: a fractional seed, eta below 2 and a pass the catalogue does not have.
        const string Spec = """
            {
              "schemaVersion": "1.0",
              "model": { "blob": "penguins/model.onnx" },
              "dataset": { "blob": "penguins/eval.csv", "input": "features", "labelColumn": "species" },
              "search": { "eta": 1 },
              "passes": ["no-such-pass"],
              "seed": 1.5
            }
            """;
        using var body = Json(Spec);

        var response = await _host.Client(ApiKey).PostAsync("/api/optimizations", body);

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.Equal("invalid-spec", problem.GetProperty("code").GetString());
        Assert.Equal("/api/optimizations", problem.GetProperty("instance").GetString());
        var paths = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["$.passes[0]", "$.search.eta", "$.seed"], paths);
        Assert.All(problem.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("fix").GetString())));
    }

    [Fact]
    public async Task Post_MalformedJson_Returns400InvalidSpecAtTheRoot()
    {
        using var body = Json("""{ "schemaVersion": "1.0", "model": { """);

        var response = await _host.Client(ApiKey).PostAsync("/api/optimizations", body);

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.Equal("invalid-spec", problem.GetProperty("code").GetString());
        Assert.Equal("$", Assert.Single(problem.GetProperty("errors").EnumerateArray().ToList()).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Post_BodyOverTheLimit_Returns413WithOrWithoutContentLength()
    {
        var oversized = new byte[SpecBodyReader.MaxBytes + 1];
        Array.Fill(oversized, (byte)' ');
        using var withLength = new ByteArrayContent(oversized);
        withLength.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var chunked = new StreamContent(new UnseekableStream(oversized));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var declared = await _host.Client(ApiKey).PostAsync("/api/optimizations", withLength);
        var streamed = await _host.Client(ApiKey).PostAsync("/api/optimizations", chunked);

        Assert.Equal("request-too-large", (await ProblemOf(declared, HttpStatusCode.RequestEntityTooLarge)).GetProperty("code").GetString());
        Assert.Equal("request-too-large", (await ProblemOf(streamed, HttpStatusCode.RequestEntityTooLarge)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_FormEncodedBody_Returns415Problem()
    {
        using var body = new StringContent("spec=1", Encoding.UTF8, "application/x-www-form-urlencoded");

        var response = await _host.Client(ApiKey).PostAsync("/api/optimizations", body);

        Assert.Equal("unsupported-media-type", (await ProblemOf(response, HttpStatusCode.UnsupportedMediaType)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Get_UnknownRoute_Returns404ProblemNamingTheApi()
    {
        var response = await _host.Client(ApiKey).GetAsync("/api/optimisations");

        var problem = await ProblemOf(response, HttpStatusCode.NotFound);
        Assert.Equal("not-found", problem.GetProperty("code").GetString());
        Assert.Contains("/api/optimizations", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_Collection_Returns405Problem()
    {
        var response = await _host.Client(ApiKey).DeleteAsync("/api/optimizations");

        Assert.Equal("method-not-allowed", (await ProblemOf(response, HttpStatusCode.MethodNotAllowed)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Get_UnknownRun_Returns404RunNotFound()
    {
        var response = await _host.Client(ApiKey).GetAsync("/api/optimizations/run-0123456789abcdef");

        var problem = await ProblemOf(response, HttpStatusCode.NotFound);
        Assert.Equal("run-not-found", problem.GetProperty("code").GetString());
        Assert.Equal("/api/optimizations/run-0123456789abcdef", problem.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task List_UnknownStatusFilter_Returns400InvalidQuery()
    {
        var response = await _host.Client(ApiKey).GetAsync("/api/optimizations?status=finished");

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.Equal("invalid-query", problem.GetProperty("code").GetString());
        Assert.Equal("status", Assert.Single(problem.GetProperty("errors").EnumerateArray().ToList()).GetProperty("path").GetString());
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>A stream whose length is unknown, so the client sends the body chunked, without Content-Length.</summary>
    private sealed class UnseekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
