using System.Net;
using DurableTask.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>
/// Runs the Durable Task gRPC sidecar (<see cref="RelayingTaskHubGrpcServer"/> over <see cref="DurableBackend"/>) in Kestrel
/// on loopback, inside this process, so that the worker and the backend live and die together (a worker killed
/// while a separate sidecar survived would leave its work pinned). Creates the task hub when it does not exist.
/// Registered before the worker so it listens before the worker connects.
/// </summary>
internal sealed partial class DurableSidecarHost : IHostedService, IAsyncDisposable
{
    private readonly DurableBackend _backend;
    private readonly DurableSidecarEndpoint _endpoint;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly WorkItemRelay _relay;
    private WebApplication? _app;

    public DurableSidecarHost(DurableBackend backend, DurableSidecarEndpoint endpoint, IOptions<DurableEngineOptions> options, ILoggerFactory loggers)
    {
        _backend = backend;
        _endpoint = endpoint;
        _loggers = loggers;
        _logger = loggers.CreateLogger<DurableSidecarHost>();
        _relay = new WorkItemRelay(options.Value.HealthPingInterval, loggers.CreateLogger<WorkItemRelay>());
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _backend.Service.CreateIfNotExistsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

        // An empty builder: no configuration sources, so the host's own Kestrel settings (urls, endpoints) never leak in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, _endpoint.Port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(_loggers);
        builder.Services.AddLogging();
        builder.Services.AddRouting();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_backend.Service);
        builder.Services.AddSingleton(_backend.Client);
        builder.Services.AddSingleton(_relay);
        builder.Services.AddSingleton<RelayingTaskHubGrpcServer>();
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<RelayingTaskHubGrpcServer>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Started(_logger, _backend.Kind, _endpoint.Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Durable sidecar over the {Backend} backend listening on {Address}")]
    private static partial void Started(ILogger logger, DurableBackendKind backend, Uri address);
}
