using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Tests.Artifacts;

[Collection(AzuriteGroup.Name)]
public sealed class ArtifactStoreServiceCollectionExtensionsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AddFunctionsOptArtifactStore_LocalKind_ResolvesAWorkingFolderStore()
    {
        var root = Directory.CreateTempSubdirectory("fopt-di-");
        try
        {
            using var provider = Build(new() { ["FunctionsOpt:ArtifactStore:Kind"] = "Local", ["FunctionsOpt:ArtifactStore:LocalRoot"] = root.FullName });

            var store = Assert.IsType<LocalFolderArtifactStore>(provider.GetRequiredService<IArtifactStore>());
            await store.UploadAsync(ArtifactLayout.Model("m.onnx"), new MemoryStream([7]));

            Assert.Equal(root.FullName, store.Root);
            Assert.True(File.Exists(Path.Combine(root.FullName, "models", "m.onnx")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AddFunctionsOptArtifactStore_BlobKindWithConnectionString_ResolvesAWorkingBlobStore()
    {
        using var provider = Build(new() { ["FunctionsOpt:ArtifactStore:Kind"] = "Blob", ["FunctionsOpt:ArtifactStore:ConnectionString"] = azurite.ConnectionString });

        var store = Assert.IsType<AzureBlobArtifactStore>(provider.GetRequiredService<IArtifactStore>());
        var path = ArtifactLayout.Model("di-" + Guid.NewGuid().ToString("N") + ".onnx");
        await store.UploadAsync(path, new MemoryStream([7]));

        Assert.True(await store.ExistsAsync(path));
    }

    [Theory]
    [InlineData("Blob", null, null, "exactly one of ConnectionString")]
    [InlineData("Blob", "UseDevelopmentStorage=true", "https://a.blob.core.windows.net", "exactly one of ConnectionString")]
    [InlineData("Local", null, "", "LocalRoot is required")]
    public void AddFunctionsOptArtifactStore_InvalidSettings_FailValidationWithTheReason(string kind, string? connectionString, string? other, string expected)
    {
        var settings = new Dictionary<string, string?> { ["FunctionsOpt:ArtifactStore:Kind"] = kind, ["FunctionsOpt:ArtifactStore:ConnectionString"] = connectionString };
        settings[kind == "Blob" ? "FunctionsOpt:ArtifactStore:AccountUri" : "FunctionsOpt:ArtifactStore:LocalRoot"] = other;
        using var provider = Build(settings);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ArtifactStoreOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddFunctionsOptArtifactStore_AccountUriWithoutCredential_SaysToRegisterOne()
    {
        using var provider = Build(new() { ["FunctionsOpt:ArtifactStore:Kind"] = "Blob", ["FunctionsOpt:ArtifactStore:AccountUri"] = "https://account.blob.core.windows.net" });

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IArtifactStore>());

        Assert.Contains("TokenCredential", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddFunctionsOptArtifactStore();
        return services.BuildServiceProvider();
    }
}
