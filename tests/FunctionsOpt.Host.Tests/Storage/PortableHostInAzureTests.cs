using Azure.Identity;
using FunctionsOpt.Hosting;
using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Host.Tests.Storage;

/// <summary>
/// The portable host composed with exactly the identity-based settings infra/main.bicep gives it in Azure (no
/// connection string anywhere; shared-key access is off there). Nothing is started, so nothing connects: the test
/// checks that every options class validates and every storage client points at the account's Entra ID endpoints.
/// </summary>
public sealed class PortableHostInAzureTests
{
    private const string ClientId = "00000000-0000-0000-0000-00000000c1d0";

    // infra/main.bicep sharedSettings (storage, Service Bus and artifact store keys), with resourceToken "abc123".
    private static readonly Dictionary<string, string?> InfraSettings = new()
    {
        ["AZURE_CLIENT_ID"] = ClientId,
        ["AzureWebJobsStorage:accountName"] = "stabc123",
        ["AzureWebJobsStorage:credential"] = "managedidentity",
        ["AzureWebJobsStorage:clientId"] = ClientId,
        ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-abc123.servicebus.windows.net",
        ["ServiceBusConnection:credential"] = "managedidentity",
        ["ServiceBusConnection:clientId"] = ClientId,
        ["FunctionsOpt:ArtifactStore:Kind"] = "Blob",
        ["FunctionsOpt:ArtifactStore:AccountUri"] = "https://stabc123.blob.core.windows.net/",
        ["FunctionsOpt:ServiceBus:Transport"] = "ServiceBus",
    };

    [Fact]
    public async Task AddFunctionsOptPortableHost_InfraIdentitySettings_EveryOptionValidatesAndTargetsTheAccount()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(InfraSettings);
        builder.AddFunctionsOptPortableHost();
        await using var app = builder.Build();

        var engine = app.Services.GetRequiredService<IOptions<DurableEngineOptions>>().Value;
        var ingestion = app.Services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        var store = app.Services.GetRequiredService<IArtifactStore>();
        var bus = app.Services.GetRequiredService<IOptions<ServiceBusOptions>>().Value;

        Assert.Equal(DurableBackendKind.AzureStorage, engine.Backend);
        Assert.Null(engine.ConnectionString);
        Assert.Equal(new Uri("https://stabc123.table.core.windows.net"), engine.RequireStorage().TableServiceUri);
        Assert.IsType<ManagedIdentityCredential>(engine.RequireStorage().Credential);
        Assert.Equal(new Uri("https://stabc123.queue.core.windows.net"), ingestion.RequireStorage().QueueServiceUri);
        Assert.IsType<AzureBlobArtifactStore>(store);
        Assert.IsType<ManagedIdentityCredential>(app.Services.GetRequiredService<Azure.Core.TokenCredential>());
        Assert.Equal("sb-abc123.servicebus.windows.net", bus.FullyQualifiedNamespace);
    }

    [Fact]
    public async Task AddFunctionsOptPortableHost_NoStorageSettingsAtAll_FailsNamingTheEngineAndTheIngestionSettings()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FunctionsOpt:ArtifactStore:Kind"] = "Local", ["FunctionsOpt:ArtifactStore:LocalRoot"] = Path.GetTempPath() });
        builder.AddFunctionsOptPortableHost();
        await using var app = builder.Build();

        var engine = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<DurableEngineOptions>>().Value);
        var ingestion = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<IngestionOptions>>().Value);

        Assert.Contains(engine.Failures, f => f.Contains("FunctionsOpt:DurableEngine:ConnectionString is not set and there is no AzureWebJobsStorage connection", StringComparison.Ordinal));
        Assert.Contains(ingestion.Failures, f => f.Contains("FunctionsOpt:Ingestion:ConnectionString is not set and there is no AzureWebJobsStorage connection", StringComparison.Ordinal));
    }
}
