using FunctionsOpt.Orchestration.Api;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsOpt.Hosting.Http;

/// <summary>The one registration entry point of the portable host's HTTP API.</summary>
public static class HttpApiServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ApiOptions"/> from <paramref name="configuration"/>'s <see cref="ApiOptions.SectionName"/>
    /// (validated at start) and registers the <see cref="OptimizationApi"/> the endpoints serve, the API-key check and
    /// the health checks behind <c>/healthz</c>. Needs the durable engine and an artifact store. Idempotent.
    /// </summary>
    public static IServiceCollection AddFunctionsOptHttpApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ApiKeyFilter>();
        services.AddFunctionsOptApi();
        services.AddHealthChecks();
        return services;
    }
}
