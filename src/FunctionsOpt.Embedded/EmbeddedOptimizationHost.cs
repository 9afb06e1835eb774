using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Optimization;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Embedded;

/// <summary>
/// The durable engine in this process: the Durable Task in-memory backend behind its gRPC sidecar on loopback, a
/// worker running the FunctionsOpt orchestrations, a client, and a local-folder artifact store. Nothing survives the
/// process (use the portable host on Azure Storage for that). Submitting the same spec twice starts one run: the run
/// id is <see cref="SpecHash.RunIdOf(OptimizationSpec)"/> and it is the instance id. Thread-safe.
/// </summary>
public sealed class EmbeddedOptimizationHost : IAsyncDisposable
{
    private readonly WebApplication _sidecar;
    private readonly IHost _worker;
    private readonly GrpcChannel _channel;

    private EmbeddedOptimizationHost(WebApplication sidecar, IHost worker, GrpcChannel channel, IArtifactStore store)
    {
        _sidecar = sidecar;
        _worker = worker;
        _channel = channel;
        Store = store;
        Client = worker.Services.GetRequiredService<DurableTaskClient>();
    }

    /// <summary>The engine's client (status, custom status, events, terminate).</summary>
    public DurableTaskClient Client { get; }

    /// <summary>Where the runs write (<c>{root}/runs/{runId}/...</c>).</summary>
    public IArtifactStore Store { get; }

    /// <summary>
    /// Starts the engine with artifacts under <paramref name="artifactRoot"/>. <paramref name="configureServices"/> runs
    /// after the defaults are registered, so a registration there replaces one (for example the
    /// <see cref="Orchestration.Messaging.IRunEventPublisher"/>, which only logs by default).
    /// </summary>
    /// <remarks>
    /// The same composition as the Durable Task in-process test host (in-memory backend, its gRPC sidecar in Kestrel,
    /// a worker and a client over one channel), built here so that neither host owns the process's signals: the stock
    /// hosts' console lifetime swallows Ctrl+C and SIGTERM and stops the sidecar's dispatcher, which left an
    /// interrupted <c>fopt optimize</c> waiting forever. The caller decides what a signal means.
    /// </remarks>
    public static async Task<EmbeddedOptimizationHost> StartAsync(
        string artifactRoot,
        Action<OptimizationOptions>? configure = null,
        ILoggerFactory? loggers = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactRoot);
        var store = new LocalFolderArtifactStore(artifactRoot);
        var backend = new InMemoryOrchestrationService(loggers);

        var sidecarBuilder = WebApplication.CreateSlimBuilder();
        sidecarBuilder.Logging.ClearProviders();
        if (loggers is not null)
        {
            sidecarBuilder.Services.AddSingleton(loggers);
        }

        // Port 0: the system picks a free loopback port, so two engines (or another process) never collide.
        sidecarBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        sidecarBuilder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        sidecarBuilder.Services.AddGrpc();
        sidecarBuilder.Services.AddSingleton<IOrchestrationService>(backend);
        sidecarBuilder.Services.AddSingleton<IOrchestrationServiceClient>(backend);
        sidecarBuilder.Services.AddSingleton<TaskHubGrpcServer>();
        sidecarBuilder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
        var sidecar = sidecarBuilder.Build();
        sidecar.MapGrpcService<TaskHubGrpcServer>();
        await sidecar.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = sidecar.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var channel = GrpcChannel.ForAddress(address);

        var worker = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                if (loggers is not null)
                {
                    logging.Services.AddSingleton(loggers);
                }
            })
            .ConfigureServices(services =>
            {
                services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
                services.AddSingleton<IArtifactStore>(store);
                services.AddFunctionsOptOrchestrations();
                // The sidecar sends no health pings, so the worker would drop a stream that stays quiet for its
                // silent-disconnect timeout (120 s: a long trial) and could lose a work item sent meanwhile. On an
                // in-process loopback stream a silent disconnect cannot happen: detection off.
                services.PostConfigure<GrpcDurableTaskWorkerOptions>(o => o.SetSilentDisconnectTimeout(TimeSpan.Zero));
                if (configure is not null)
                {
                    services.PostConfigure(configure);
                }

                configureServices?.Invoke(services);
                services.AddDurableTaskWorker(builder =>
                {
                    builder.UseGrpc(channel);
                    builder.AddTasks(registry => registry.AddFunctionsOptTasks());
                });
                services.AddDurableTaskClient(builder =>
                {
                    builder.UseGrpc(channel);
                    builder.RegisterDirectly();
                });
            })
            .Build();
        await worker.StartAsync(cancellationToken).ConfigureAwait(false);
        return new EmbeddedOptimizationHost(sidecar, worker, channel, store);
    }

    /// <summary>Starting, watching and cancelling runs (the same client every host uses).</summary>
    public OptimizationRunClient Runs => new(Client, Store);

    /// <summary>Starts a run of <paramref name="spec"/> unless one with its run id exists; returns the run id either way.</summary>
    public async Task<string> SubmitAsync(OptimizationSpec spec, CancellationToken cancellationToken = default) =>
        (await Runs.SubmitAsync(spec, cancellationToken).ConfigureAwait(false)).RunId;

    /// <summary>
    /// Starts a run of <paramref name="spec"/> under <paramref name="runId"/> unless an instance with that id exists
    /// or its stored record completed or failed (see <see cref="OptimizationRunClient.SubmitWithIdAsync"/>).
    /// </summary>
    public Task<SubmitResult> SubmitAsync(OptimizationSpec spec, string runId, CancellationToken cancellationToken = default) =>
        Runs.SubmitWithIdAsync(spec, runId, cancellationToken);

    /// <summary>The run's live progress (the orchestration's custom status), or null before the first update.</summary>
    public Task<RunProgress?> GetProgressAsync(string runId, CancellationToken cancellationToken = default) => Runs.GetProgressAsync(runId, cancellationToken);

    /// <summary>Waits for the run to end and returns its summary.</summary>
    public Task<RunSummary?> WaitAsync(string runId, CancellationToken cancellationToken = default) => Runs.WaitAsync(runId, cancellationToken);

    /// <summary>Asks the run to stop after the trials in flight; it ends Cancelled with partial results.</summary>
    public Task CancelAsync(string runId, CancellationToken cancellationToken = default) => Runs.CancelAsync(runId, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _worker.StopAsync().ConfigureAwait(false);
        _worker.Dispose();
        await _channel.ShutdownAsync().ConfigureAwait(false);
        _channel.Dispose();
        await _sidecar.StopAsync().ConfigureAwait(false);
        await _sidecar.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// A host lifetime that registers no signal handlers: the embedded engine lives inside another program (the CLI, a
/// test), which starts and stops it explicitly and decides what Ctrl+C and SIGTERM mean.
/// </summary>
internal sealed class CallerOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
