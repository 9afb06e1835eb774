using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.AspNetCore.Connections;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Microsoft.Extensions.DependencyInjection;
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
    // Attempts to find a free port for the sidecar before giving up.
    private const int MaxStartAttempts = 8;

    private readonly DurableTaskTestHost _host;

    private EmbeddedOptimizationHost(DurableTaskTestHost host, IArtifactStore store)
    {
        _host = host;
        Store = store;
    }

    /// <summary>The engine's client (status, custom status, events, terminate).</summary>
    public DurableTaskClient Client => _host.Client;

    /// <summary>Where the runs write (<c>{root}/runs/{runId}/...</c>).</summary>
    public IArtifactStore Store { get; }

    /// <summary>
    /// Starts the engine with artifacts under <paramref name="artifactRoot"/>. <paramref name="configureServices"/> runs
    /// after the defaults are registered, so a registration there replaces one (for example the
    /// <see cref="Orchestration.Messaging.IRunEventPublisher"/>, which only logs by default).
    /// </summary>
    public static async Task<EmbeddedOptimizationHost> StartAsync(
        string artifactRoot,
        Action<OptimizationOptions>? configure = null,
        ILoggerFactory? loggers = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactRoot);
        var store = new LocalFolderArtifactStore(artifactRoot);
        var options = new DurableTaskTestHostOptions
        {
            LoggerFactory = loggers,
            ConfigureServices = services =>
            {
                services.AddSingleton<IArtifactStore>(store);
                services.AddFunctionsOptOrchestrations();
                // The test host's sidecar sends no health pings, so the worker would drop a stream that stays quiet for
                // its silent-disconnect timeout (120 s: a long trial) and could lose a work item sent meanwhile. On an
                // in-process loopback stream a silent disconnect cannot happen: detection off.
                services.PostConfigure<GrpcDurableTaskWorkerOptions>(o => o.SetSilentDisconnectTimeout(TimeSpan.Zero));
                if (configure is not null)
                {
                    services.PostConfigure(configure);
                }

                configureServices?.Invoke(services);
            },
        };

        // The sidecar listens on a random port in 30000-40000, which another process (or another embedded engine)
        // may hold already; each attempt draws a new one.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var host = await DurableTaskTestHost.StartAsync(registry => registry.AddFunctionsOptTasks(), options, cancellationToken).ConfigureAwait(false);
                return new EmbeddedOptimizationHost(host, store);
            }
            catch (IOException ex) when (ex.InnerException is AddressInUseException && attempt < MaxStartAttempts)
            {
                // Port taken: try again on another.
            }
        }
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
    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
