using FunctionsOpt.Hosting;
using FunctionsOpt.Hosting.Http;
using FunctionsOpt.Orchestration.Artifacts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Host.Tests.TestKit;

/// <summary>
/// The portable host exactly as the Host exe composes it (<see cref="PortableHostExtensions"/>), listening on a free
/// loopback port with the given settings, plus HTTP clients for it. Stopped at dispose.
/// </summary>
internal sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private ApiHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public IArtifactStore Store => Services.GetRequiredService<IArtifactStore>();

    public static async Task<ApiHost> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddFunctionsOptPortableHost();
        var app = builder.Build();
        app.UseFunctionsOptPortableHost();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiHost(app, new Uri(address));
    }

    /// <summary>Settings for a host on the in-memory engine and a local-folder store (no Azurite needed).</summary>
    public static Dictionary<string, string?> InMemorySettings(string root, string? apiKey) => new()
    {
        ["FunctionsOpt:ArtifactStore:Kind"] = "Local",
        ["FunctionsOpt:ArtifactStore:LocalRoot"] = Path.Combine(root, "artifacts"),
        ["FunctionsOpt:DurableEngine:Backend"] = "InMemory",
        ["FunctionsOpt:Optimization:WorkDirectory"] = Path.Combine(root, "work"),
        // Required by the options even with both listeners off; never connected to.
        ["FunctionsOpt:Ingestion:ConnectionString"] = "UseDevelopmentStorage=true",
        ["FunctionsOpt:Ingestion:BlobWatcherEnabled"] = "false",
        ["FunctionsOpt:Ingestion:QueueListenerEnabled"] = "false",
        [ApiOptions.SectionName + ":ApiKey"] = apiKey,
    };

    /// <summary>A client for this host, sending <paramref name="apiKey"/> in <see cref="ApiOptions.ApiKeyHeader"/> when given.</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(ApiOptions.ApiKeyHeader, apiKey);
        }

        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
