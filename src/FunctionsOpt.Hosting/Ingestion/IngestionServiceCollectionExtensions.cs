using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>The one registration entry point of the blob watcher and the queue listener.</summary>
public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="IngestionOptions"/> from <paramref name="configuration"/>'s
    /// <see cref="IngestionOptions.SectionName"/> (validated at start) and registers <see cref="OptimizationApi"/> (the
    /// intake every entry point shares), and the <see cref="BlobSpecWatcher"/> and <see cref="QueueRequestListener"/>
    /// hosted services as the options enable them. Needs an <see cref="OptimizationRunClient"/> (the durable engine
    /// registers one) and an <see cref="IArtifactStore"/>.
    /// </summary>
    public static IServiceCollection AddFunctionsOptIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(IngestionOptions.SectionName);
        services.AddOptions<IngestionOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        var storage = new IngestionStorageResolver(configuration);
        services.AddSingleton<IPostConfigureOptions<IngestionOptions>>(storage);
        services.AddSingleton<IValidateOptions<IngestionOptions>>(storage);
        services.AddFunctionsOptApi();
        services.TryAddSingleton<BlobSpecWatcher>();
        services.TryAddSingleton<QueueRequestListener>();
        var options = section.Get<IngestionOptions>() ?? new IngestionOptions();
        if (options.BlobWatcherEnabled)
        {
            services.AddHostedService(sp => sp.GetRequiredService<BlobSpecWatcher>());
        }

        if (options.QueueListenerEnabled)
        {
            services.AddHostedService(sp => sp.GetRequiredService<QueueRequestListener>());
        }

        return services;
    }
}
