using Azure.Core;
using Azure.Messaging.ServiceBus;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>The one DI entry point of the Service Bus intake and run events.</summary>
public static class ServiceBusServiceCollectionExtensions
{
    /// <summary>
    /// The run events and the intake: <see cref="AddFunctionsOptRunEvents"/>, plus the
    /// <see cref="OptimizationRequestHandler"/> (over an <see cref="OptimizationRunClient"/> built from the registered
    /// <see cref="DurableTaskClient"/> unless one is registered, checking specs against the registered
    /// <see cref="IArtifactStore"/>) and the hosted <see cref="ServiceBusIntakeService"/>,
    /// which runs only when the transport is Service Bus and <see cref="ServiceBusOptions.IntakeEnabled"/>. For hosts
    /// that own a durable client for their lifetime (the portable host).
    /// </summary>
    public static IServiceCollection AddFunctionsOptServiceBus(this IServiceCollection services)
    {
        services.AddFunctionsOptRunEvents();
        services.TryAddSingleton(sp => new OptimizationRunClient(sp.GetRequiredService<DurableTaskClient>(), sp.GetService<IArtifactStore>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton(sp => new OptimizationRequestHandler(
            sp.GetRequiredService<OptimizationRunClient>(),
            new SpecIntake(sp.GetRequiredService<IArtifactStore>()),
            sp.GetRequiredService<IOptions<ServiceBusOptions>>(),
            sp.GetService<ILogger<OptimizationRequestHandler>>(),
            sp.GetService<TimeProvider>()));
        services.AddHostedService<ServiceBusIntakeService>();
        return services;
    }

    /// <summary>
    /// Binds <see cref="ServiceBusOptions"/> from <see cref="ServiceBusOptions.SectionName"/> (the connection filled
    /// from the <see cref="ServiceBusOptions.ConnectionName"/> section when not set there; validated at start) and
    /// registers the <see cref="ServiceBusClient"/> (created on first use; a registered <see cref="TokenCredential"/> is
    /// used unless the options name a client id or credential), the <see cref="IRunEventPublisher"/> of the active
    /// transport (replacing any registered before) and the <see cref="RunProgressThrottle"/>. Nothing here needs a
    /// durable client, so the Functions app (whose client exists only inside an invocation) registers just this and
    /// drains the intake queue from a timer function with <see cref="ServiceBusIntakeDrain"/>.
    /// </summary>
    public static IServiceCollection AddFunctionsOptRunEvents(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ServiceBusOptions>()
            .BindConfiguration(ServiceBusOptions.SectionName)
            .PostConfigure<IConfiguration>(ApplyConnection)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServiceBusOptions>, ServiceBusOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ServiceBusOptions>>().Value;
            var explicitIdentity = !string.IsNullOrWhiteSpace(options.ClientId) || !string.IsNullOrWhiteSpace(options.Credential);
            return ServiceBusClientFactory.Create(options, explicitIdentity ? null : sp.GetService<TokenCredential>());
        });
        services.RemoveAll<IRunEventPublisher>();
        services.AddSingleton<IRunEventPublisher>(CreatePublisher);

        services.TryAddSingleton(sp => new RunProgressThrottle(sp.GetRequiredService<IOptions<ServiceBusOptions>>()));
        return services;
    }

    /// <summary>
    /// Fills the connection from the <see cref="ServiceBusOptions.ConnectionName"/> section when the options set neither
    /// a connection string nor a namespace: a plain value there is a connection string; otherwise its
    /// <c>fullyQualifiedNamespace</c>, <c>clientId</c> and <c>credential</c> keys (the Functions identity-based
    /// connection convention that infra writes) are used.
    /// </summary>
    internal static void ApplyConnection(ServiceBusOptions options, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString) || !string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace)
            || string.IsNullOrWhiteSpace(options.ConnectionName))
        {
            return;
        }

        var section = configuration.GetSection(options.ConnectionName);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            options.ConnectionString = section.Value;
            return;
        }

        options.FullyQualifiedNamespace = section["fullyQualifiedNamespace"];
        options.ClientId ??= section["clientId"];
        options.Credential ??= section["credential"];
    }

    private static IRunEventPublisher CreatePublisher(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ServiceBusOptions>>();
        if (options.Value.Transport != MessagingTransport.ServiceBus)
        {
            return new LoggingRunEventPublisher(services.GetService<ILogger<LoggingRunEventPublisher>>());
        }

        var sender = services.GetRequiredService<ServiceBusClient>().CreateSender(options.Value.EventsTopicName);
        return new ServiceBusRunEventPublisher(sender, options, services.GetService<ILogger<ServiceBusRunEventPublisher>>());
    }
}
