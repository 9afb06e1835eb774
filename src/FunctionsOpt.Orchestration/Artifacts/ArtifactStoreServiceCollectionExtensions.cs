using Azure.Core;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>The one DI entry point for the artifact store.</summary>
public static class ArtifactStoreServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ArtifactStoreOptions"/> from <see cref="ArtifactStoreOptions.SectionName"/> (validated at start)
    /// and registers the chosen <see cref="IArtifactStore"/> as a singleton. A blob store with
    /// <see cref="ArtifactStoreOptions.AccountUri"/> needs a <see cref="TokenCredential"/> registered as well
    /// (for example a <c>ManagedIdentityCredential</c> from Azure.Identity).
    /// </summary>
    public static IServiceCollection AddFunctionsOptArtifactStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ArtifactStoreOptions>().BindConfiguration(ArtifactStoreOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ArtifactStoreOptions>, ArtifactStoreOptionsValidator>());
        services.TryAddSingleton(Create);
        return services;
    }

    private static IArtifactStore Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ArtifactStoreOptions>>().Value;
        var loggers = services.GetService<ILoggerFactory>();
        if (options.Kind == ArtifactStoreKind.Local)
        {
            return new LocalFolderArtifactStore(options, loggers?.CreateLogger<LocalFolderArtifactStore>());
        }

        var logger = loggers?.CreateLogger<AzureBlobArtifactStore>();
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new AzureBlobArtifactStore(new BlobServiceClient(options.ConnectionString), options, logger);
        }

        var credential = services.GetService<TokenCredential>()
            ?? throw new InvalidOperationException(
                $"{ArtifactStoreOptions.SectionName}:AccountUri is set but no Azure.Core.TokenCredential is registered; register one (for example ManagedIdentityCredential) or use a ConnectionString.");
        return new AzureBlobArtifactStore(options.AccountUri!, credential, options, logger);
    }
}
