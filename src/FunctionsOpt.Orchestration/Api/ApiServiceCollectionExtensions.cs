using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>The one registration entry point of <see cref="OptimizationApi"/> for hosts with one durable client.</summary>
public static class ApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="OptimizationApi"/> (it is thread-safe) over the registered
    /// <see cref="OptimizationRunClient"/> and <see cref="IArtifactStore"/>, so the HTTP endpoints, the blob watcher
    /// and the queue listener of a host share one intake. Idempotent. The Functions app does not use it: its durable
    /// client is bound per invocation.
    /// </summary>
    public static IServiceCollection AddFunctionsOptApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => new OptimizationApi(
            sp.GetRequiredService<OptimizationRunClient>(),
            sp.GetRequiredService<IArtifactStore>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<OptimizationApi>>()));
        return services;
    }
}
