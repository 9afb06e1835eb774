using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Hosting.Http;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Hosting.Storage;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsOpt.Hosting;

/// <summary>
/// The portable host in two calls, shared by the Host exe, <c>fopt serve</c> and the tests, so all three run the same
/// composition: the artifact store, the durable engine (worker + in-process gRPC sidecar), the blob watcher and queue
/// listener, Service Bus (when its transport is selected), telemetry, and the HTTP API.
/// </summary>
public static class PortableHostExtensions
{
    /// <summary>Registers every service of the portable host from <paramref name="builder"/>'s configuration.</summary>
    public static WebApplicationBuilder AddFunctionsOptPortableHost(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The Entra ID credential of identity-based storage (FunctionsOpt__ArtifactStore__AccountUri in Azure): the one
        // the AzureWebJobsStorage section names, as for the engine and the ingestion (managed identity in Azure).
        var storage = builder.Configuration.GetSection(StorageConnection.DefaultSection);
        builder.Services.TryAddSingleton(_ => StorageConnection.CredentialFor(storage["credential"], storage["clientId"]));
        builder.Services.AddFunctionsOptArtifactStore();
        // First hosted service: the containers exist before the watcher, the engine or a user's upload need them.
        builder.Services.AddHostedService<ArtifactContainersStartup>();
        builder.Services.AddFunctionsOptDurableEngine(builder.Configuration);
        builder.Services.AddFunctionsOptIngestion(builder.Configuration);
        // Service Bus intake and run events when FunctionsOpt:ServiceBus:Transport is ServiceBus (infra sets it in
        // Azure); with the default storage-queue transport the processor stays off and run events are only logged.
        builder.Services.AddFunctionsOptServiceBus();
        builder.Services.AddFunctionsOptTelemetry(builder.Configuration);
        builder.Services.AddFunctionsOptHttpApi(builder.Configuration);
        return builder;
    }

    /// <summary>Adds problem details for every error response and maps the HTTP API and <c>/healthz</c>.</summary>
    public static WebApplication UseFunctionsOptPortableHost(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseFunctionsOptProblemDetails();
        app.MapFunctionsOptApi();
        return app;
    }
}
