using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>The one registration entry point of the portable host's durable engine.</summary>
public static class DurableEngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the durable engine of this process: <see cref="DurableEngineOptions"/> bound from
    /// <paramref name="configuration"/>'s <see cref="DurableEngineOptions.SectionName"/> (validated at start), the
    /// backend, the in-process gRPC sidecar (a hosted service), the Durable Task worker running the FunctionsOpt
    /// orchestrations, a <see cref="DurableTaskClient"/> and an <see cref="OptimizationRunClient"/> over it, and the
    /// orchestrations' own services. An <see cref="Orchestration.Artifacts.IArtifactStore"/> must be registered too.
    /// </summary>
    public static IServiceCollection AddFunctionsOptDurableEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DurableEngineOptions>().Bind(configuration.GetSection(DurableEngineOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurableEngineOptions>, DurableEngineOptionsValidator>());
        services.AddSingleton<IPostConfigureOptions<DurableEngineOptions>>(new DurableEngineStorageResolver(configuration));
        services.TryAddSingleton(sp => DurableBackend.Create(sp.GetRequiredService<IOptions<DurableEngineOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<DurableSidecarEndpoint>();

        // The sidecar first: hosted services start in registration order and the worker connects to it.
        services.AddHostedService<DurableSidecarHost>();
        services.AddFunctionsOptOrchestrations();
        services.AddDurableTaskWorker(builder =>
        {
            builder.AddTasks(registry => registry.AddFunctionsOptTasks());
            builder.UseGrpc();
            builder.Services.AddOptions<GrpcDurableTaskWorkerOptions>(builder.Name)
                .Configure<DurableSidecarEndpoint>((options, endpoint) => options.Channel = endpoint.Channel);
        });
        services.AddDurableTaskClient(builder =>
        {
            builder.UseGrpc();
            builder.Services.AddOptions<GrpcDurableTaskClientOptions>(builder.Name)
                .Configure<DurableSidecarEndpoint>((options, endpoint) => options.Channel = endpoint.Channel);
        });
        // With the store, a terminated run's state record is marked Cancelled (on terminate and on the next status read).
        services.TryAddSingleton(sp => new OptimizationRunClient(
            sp.GetRequiredService<DurableTaskClient>(), sp.GetService<IArtifactStore>(), sp.GetService<TimeProvider>()));
        return services;
    }
}
