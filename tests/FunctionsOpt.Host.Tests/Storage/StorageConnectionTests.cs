using Azure.Identity;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Hosting.Storage;
using Microsoft.Extensions.Configuration;

namespace FunctionsOpt.Host.Tests.Storage;

public sealed class StorageConnectionTests
{
    private const string Azurite = "UseDevelopmentStorage=true";

    private static IConfiguration Settings(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void Resolve_OwnConnectionString_WinsOverTheSection()
    {
        var connection = StorageConnection.Resolve(Azurite, Settings(new() { ["AzureWebJobsStorage:accountName"] = "stinfra" }));

        Assert.NotNull(connection);
        Assert.Equal(Azurite, connection.ConnectionString);
        Assert.False(connection.UsesIdentity);
        // Azurite's well-known development account on its default blob port.
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", connection.CreateBlobServiceClient().Uri.ToString().TrimEnd('/'));
    }

    [Fact]
    public void Resolve_SectionWithAPlainValue_IsAConnectionString()
    {
        var connection = StorageConnection.Resolve(null, Settings(new() { ["AzureWebJobsStorage"] = Azurite }));

        Assert.Equal(Azurite, connection!.ConnectionString);
    }

    [Fact]
    public void Resolve_InfraIdentitySettings_PublicEndpointsWithTheUserAssignedManagedIdentity()
    {
        // The settings infra/main.bicep writes for both apps.
        var connection = StorageConnection.Resolve(null, Settings(new()
        {
            ["AzureWebJobsStorage:accountName"] = "stabc123",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-00000000c1d0",
        }));

        Assert.NotNull(connection);
        Assert.True(connection.UsesIdentity);
        Assert.Equal(new Uri("https://stabc123.blob.core.windows.net"), connection.BlobServiceUri);
        Assert.Equal(new Uri("https://stabc123.queue.core.windows.net"), connection.QueueServiceUri);
        Assert.Equal(new Uri("https://stabc123.table.core.windows.net"), connection.TableServiceUri);
        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Equal("stabc123", connection.CreateQueueServiceClient().AccountName);
        Assert.Equal("stabc123", connection.CreateTableClient("processedspecs").AccountName);
        Assert.Equal("https://stabc123.blob.core.windows.net (Entra ID)", connection.ToString());
    }

    [Fact]
    public void Resolve_ExplicitServiceUrisWithoutCredential_UsesTheDefaultChain()
    {
        var connection = StorageConnection.Resolve(null, Settings(new()
        {
            ["Storage:blobServiceUri"] = "https://blob.example.net",
            ["Storage:queueServiceUri"] = "https://queue.example.net",
            ["Storage:tableServiceUri"] = "https://table.example.net",
        }), "Storage");

        Assert.Equal(new Uri("https://queue.example.net"), connection!.QueueServiceUri);
        Assert.IsType<DefaultAzureCredential>(connection.Credential);
    }

    [Fact]
    public void Resolve_OnlySomeServiceUris_ThrowsAskingForAllThree()
    {
        var settings = Settings(new() { ["AzureWebJobsStorage:blobServiceUri"] = "https://blob.example.net" });

        var error = Assert.Throws<InvalidOperationException>(() => StorageConnection.Resolve(null, settings));

        Assert.Contains("queueServiceUri", error.Message, StringComparison.Ordinal);
        Assert.Contains("tableServiceUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_PlainHttpEndpoint_ThrowsNamingTheKey()
    {
        var settings = Settings(new()
        {
            ["AzureWebJobsStorage:blobServiceUri"] = "http://blob.example.net",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://queue.example.net",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://table.example.net",
        });

        var error = Assert.Throws<InvalidOperationException>(() => StorageConnection.Resolve(null, settings));

        Assert.Contains("AzureWebJobsStorage:blobServiceUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_NothingConfigured_IsNull()
    {
        Assert.Null(StorageConnection.Resolve("  ", Settings([])));
    }

    [Fact]
    public void CreateDurableClientProvider_ConnectionString_TargetsTheSameAccount()
    {
        var provider = StorageConnection.FromConnectionString(Azurite).CreateDurableClientProvider();

        Assert.NotNull(provider.Blob);
        Assert.NotNull(provider.Queue);
        Assert.NotNull(provider.Table);
    }
}

public sealed class IngestionStorageTests
{
    private static IngestionOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddFunctionsOptIngestion(configuration);
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        return Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestionOptions>>(provider).Value;
    }

    [Fact]
    public void AddFunctionsOptIngestion_InfraIdentitySettingsOnly_ResolvesTheAccountsEndpoints()
    {
        var options = Resolve(new()
        {
            ["AzureWebJobsStorage:accountName"] = "stabc123",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-00000000c1d0",
        });

        Assert.Null(options.ConnectionString);
        Assert.Equal(new Uri("https://stabc123.queue.core.windows.net"), options.RequireStorage().QueueServiceUri);
    }

    [Fact]
    public void AddFunctionsOptIngestion_NoConnectionAnywhere_FailsValidationNamingBothSettings()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Resolve([]));

        var failure = Assert.Single(error.Failures);
        Assert.Contains("FunctionsOpt:Ingestion:ConnectionString", failure, StringComparison.Ordinal);
        Assert.Contains("AzureWebJobsStorage__accountName", failure, StringComparison.Ordinal);
    }
}
