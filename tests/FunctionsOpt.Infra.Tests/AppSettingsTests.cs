using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Hosting.Http;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Infra.Tests.TestKit;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Messaging;
using Microsoft.Extensions.Configuration;

namespace FunctionsOpt.Infra.Tests;

/// <summary>
/// The settings that infra writes for the apps (local.settings.sample.json, the postprovision hooks, main.bicep's app
/// settings) name options that exist, with values the configuration binder accepts.
/// </summary>
public sealed partial class AppSettingsTests
{
    private const string HostSettings = "src/FunctionsOpt.Host/appsettings.json";
    private const string HostDevelopmentSettings = "src/FunctionsOpt.Host/appsettings.Development.json";

    private static readonly Dictionary<string, Type> OptionsBySection = FindOptionsTypes();

    private static JsonObject SampleValues() =>
        JsonNode.Parse(Repository.ReadText("local.settings.sample.json"))?["Values"]?.AsObject()
        ?? throw new InvalidOperationException("local.settings.sample.json has no Values object.");

    [Fact]
    public void Sample_Values_UseAzuriteAndTheIsolatedWorker()
    {
        var values = SampleValues();

        Assert.Equal("UseDevelopmentStorage=true", (string?)values["AzureWebJobsStorage"]);
        Assert.Equal("dotnet-isolated", (string?)values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("UseDevelopmentStorage=true", (string?)values["FunctionsOpt__ArtifactStore__ConnectionString"]);
    }

    [Fact]
    public void Sample_Values_HoldNoSecrets()
    {
        var text = Repository.ReadText("local.settings.sample.json");

        Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessKey", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("InstrumentationKey=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Sample_FunctionsOptValues_BindToTheirOptions()
    {
        AssertBinds(SampleValues(), "local.settings.sample.json");
    }

    [Fact]
    public async Task Hook_FunctionsOptValues_BindToTheirOptions()
    {
        AssertBinds(await Hook.WriteSampleValuesAsync(), "postprovision.sh");
    }

    [Theory]
    [InlineData("infra/main.bicep")]
    [InlineData("infra/hooks/postprovision.ps1")]
    public void Source_FunctionsOptKeys_NameExistingOptions(string file)
    {
        var keys = FunctionsOptKey().Matches(Repository.ReadText(file)).Select(m => m.Value).Distinct().ToList();

        Assert.NotEmpty(keys);
        Assert.All(keys, key => AssertKnown(key, file));
    }

    [Fact]
    public void OptionsTypes_FoundByReflection_IncludeSessionAndArtifactStore()
    {
        Assert.Equal(typeof(SessionSettings), OptionsBySection["Session"]);
        Assert.Equal(typeof(ArtifactStoreOptions), OptionsBySection["ArtifactStore"]);
    }

    [Fact]
    public void OptionsTypes_FoundByReflection_IncludeServiceBus()
    {
        Assert.Equal(typeof(ServiceBusOptions), OptionsBySection["ServiceBus"]);
    }

    [Fact]
    public async Task Hook_ServiceBusValues_SelectTheServiceBusTransportAndTheProvisionedEntities()
    {
        var outputs = Hook.SampleOutputs();
        var values = await Hook.WriteSampleValuesAsync();
        var settings = values.ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => (string?)v.Value);
        var options = new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(ServiceBusOptions.SectionName).Get<ServiceBusOptions>(o => o.ErrorOnUnknownConfiguration = true);

        Assert.NotNull(options);
        Assert.Equal(MessagingTransport.ServiceBus, options.Transport);
        Assert.Equal(outputs["SERVICEBUS_REQUESTS_QUEUE_NAME"], options.RequestsQueueName);
        Assert.Equal(outputs["SERVICEBUS_EVENTS_TOPIC_NAME"], options.EventsTopicName);
    }

    [Fact]
    public void Sample_ServiceBusTransport_IsTheStorageQueueDefault()
    {
        Assert.Equal(nameof(MessagingTransport.StorageQueue), (string?)SampleValues()["FunctionsOpt__ServiceBus__Transport"]);
        Assert.Equal(MessagingTransport.StorageQueue, new ServiceBusOptions().Transport);
    }

    [Fact]
    public void HostAppSettings_Base_HoldsNoConnectionString()
    {
        // The cloud sets AccountUri through environment variables; a connection string here would clash with it.
        var configuration = new ConfigurationBuilder().AddJsonFile(Repository.PathOf(HostSettings), optional: false).Build();

        var connectionSettings = configuration.AsEnumerable().Where(kv => kv.Key.EndsWith(":ConnectionString", StringComparison.Ordinal)).ToList();
        Assert.Empty(connectionSettings);
        Assert.DoesNotContain("UseDevelopmentStorage", Repository.ReadText(HostSettings), StringComparison.Ordinal);
    }

    [Fact]
    public void HostAppSettings_Development_PointsEveryStoreAtAzurite()
    {
        var configuration = HostConfiguration();

        Assert.Equal("UseDevelopmentStorage=true", configuration[ArtifactStoreOptions.SectionName + ":ConnectionString"]);
        Assert.Equal("UseDevelopmentStorage=true", configuration[DurableEngineOptions.SectionName + ":ConnectionString"]);
        Assert.Equal("UseDevelopmentStorage=true", configuration[IngestionOptions.SectionName + ":ConnectionString"]);
    }

    [Fact]
    public void HostAppSettings_BaseWithDevelopment_BindToTheirOptions()
    {
        AssertBinds(HostConfiguration(), HostDevelopmentSettings);
    }

    [Fact]
    public void OptionsTypes_FoundByReflection_IncludeThePortableHosts()
    {
        Assert.Equal(typeof(DurableEngineOptions), OptionsBySection["DurableEngine"]);
        Assert.Equal(typeof(IngestionOptions), OptionsBySection["Ingestion"]);
        Assert.Equal(typeof(ApiOptions), OptionsBySection["Api"]);
    }

    private static IConfiguration HostConfiguration() => new ConfigurationBuilder()
        .AddJsonFile(Repository.PathOf(HostSettings), optional: false)
        .AddJsonFile(Repository.PathOf(HostDevelopmentSettings), optional: false)
        .Build();

    private static void AssertBinds(JsonObject values, string source)
    {
        var settings = values
            .Where(v => v.Key.StartsWith("FunctionsOpt__", StringComparison.Ordinal))
            .ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => (string?)v.Value);
        Assert.NotEmpty(settings);
        AssertBinds(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), source);
    }

    private static void AssertBinds(IConfiguration configuration, string source)
    {
        Assert.NotEmpty(configuration.GetSection("FunctionsOpt").GetChildren());
        foreach (var section in configuration.GetSection("FunctionsOpt").GetChildren())
        {
            Assert.True(OptionsBySection.TryGetValue(section.Key, out var type), $"{source}: no options bind FunctionsOpt:{section.Key}.");
            // Throws on a key the type does not have and on a value that does not convert (an unknown enum name, say).
            var bound = section.Get(type, o => o.ErrorOnUnknownConfiguration = true);
            Assert.NotNull(bound);
        }
    }

    private static void AssertKnown(string key, string source)
    {
        var parts = key.Split("__");
        Assert.True(parts.Length == 3, $"{source}: '{key}' is not FunctionsOpt__Section__Property.");
        Assert.True(OptionsBySection.TryGetValue(parts[1], out var type), $"{source}: no options bind FunctionsOpt:{parts[1]} ('{key}').");
        Assert.True(type.GetProperty(parts[2], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not null,
            $"{source}: {type.Name} has no property '{parts[2]}' ('{key}').");
    }

    private static Dictionary<string, Type> FindOptionsTypes()
    {
        Assembly[] assemblies = [typeof(SessionSettings).Assembly, typeof(ArtifactStoreOptions).Assembly, typeof(DurableEngineOptions).Assembly];
        var map = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in assemblies.SelectMany(a => a.GetExportedTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string name
                && name.StartsWith("FunctionsOpt:", StringComparison.Ordinal))
            {
                map.Add(name["FunctionsOpt:".Length..], type);
            }
        }

        return map;
    }

    [GeneratedRegex(@"FunctionsOpt__[A-Za-z0-9]+__[A-Za-z0-9]+")]
    private static partial Regex FunctionsOptKey();
}
