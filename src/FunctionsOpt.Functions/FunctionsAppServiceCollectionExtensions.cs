using Azure.Core;
using Azure.Identity;
using FunctionsOpt.Core;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsOpt.Functions;

/// <summary>The Functions app's one registration entry point.</summary>
public static class FunctionsAppServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine (<see cref="CoreServiceCollectionExtensions.AddFunctionsOptCore"/>), the artifact store
    /// (<see cref="ArtifactStoreServiceCollectionExtensions.AddFunctionsOptArtifactStore"/>), the orchestrations'
    /// services (<see cref="OrchestrationServiceCollectionExtensions.AddFunctionsOptOrchestrations"/>), a
    /// <see cref="TokenCredential"/> for identity-based blob access (<c>FunctionsOpt__ArtifactStore__AccountUri</c>;
    /// in Azure the user-assigned identity named by <c>AZURE_CLIENT_ID</c>), and every orchestrator and activity class
    /// of the orchestration library as a transient service for the <c>[Function]</c> wrappers to resolve. Run events
    /// go to the Service Bus topic when <c>FunctionsOpt__ServiceBus__Transport</c> is <c>ServiceBus</c> (published by
    /// the orchestration's event activity; <see cref="ServiceBusServiceCollectionExtensions.AddFunctionsOptRunEvents"/>),
    /// and traces and metrics to Application Insights when its connection string is set
    /// (<see cref="TelemetryServiceCollectionExtensions.AddFunctionsOptTelemetry"/>). The Service Bus intake is the
    /// timer-driven drain of <see cref="Triggers.ServiceBusIntakeFunction"/>, not a hosted processor: this app's durable
    /// client exists only inside an invocation.
    /// </summary>
    public static IServiceCollection AddFunctionsOptFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddFunctionsOptCore();
        services.AddFunctionsOptArtifactStore();
        services.AddFunctionsOptOrchestrations();
        services.AddFunctionsOptRunEvents();
        services.AddFunctionsOptTelemetry(configuration);
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
        foreach (var type in DurableTaskTypes())
        {
            services.TryAddTransient(type);
        }

        return services;
    }

    /// <summary>Every concrete orchestrator and activity class of the orchestration library.</summary>
    internal static IEnumerable<Type> DurableTaskTypes() =>
        typeof(OptimizationOrchestrator).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false }
                && (typeof(ITaskActivity).IsAssignableFrom(t) || typeof(ITaskOrchestrator).IsAssignableFrom(t)));
}
