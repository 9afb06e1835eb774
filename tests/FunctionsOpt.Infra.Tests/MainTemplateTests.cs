using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FunctionsOpt.Infra.Tests.TestKit;

namespace FunctionsOpt.Infra.Tests;

/// <summary>infra/main.bicep and infra/main.parameters.json follow the azd conventions and agree with each other.</summary>
public sealed partial class MainTemplateTests
{
    private static async Task<JsonObject> MainAsync()
    {
        var result = await BicepCli.BuildRepositoryFileAsync("infra/main.bicep");
        Assert.True(result.ExitCode == 0, result.Diagnostics);
        return result.Template;
    }

    private static JsonObject ParametersFile() =>
        JsonNode.Parse(Repository.ReadText("infra/main.parameters.json"))?["parameters"]?.AsObject()
        ?? throw new InvalidOperationException("main.parameters.json has no parameters object.");

    [Fact]
    public async Task Main_TargetScope_IsSubscription()
    {
        var main = await MainAsync();

        Assert.Contains("subscriptionDeploymentTemplate.json", (string?)main["$schema"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParametersFile_EveryParameter_IsDeclaredByMain()
    {
        var declared = CompiledTemplate.Names(await MainAsync(), "parameters");

        foreach (var (name, _) in ParametersFile())
        {
            Assert.True(declared.Contains(name), $"main.parameters.json sets '{name}', which main.bicep does not declare.");
        }
    }

    [Fact]
    public async Task ParametersFile_RequiredParameters_AreAllSupplied()
    {
        var parameters = (await MainAsync())["parameters"]!.AsObject();
        var supplied = ParametersFile().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

        var required = parameters.Where(p => p.Value?["defaultValue"] is null).Select(p => p.Key).ToList();

        Assert.NotEmpty(required);
        Assert.All(required, name => Assert.Contains(name, supplied));
    }

    [Theory]
    [InlineData("environmentName", "${AZURE_ENV_NAME}")]
    [InlineData("location", "${AZURE_LOCATION}")]
    [InlineData("principalId", "${AZURE_PRINCIPAL_ID}")]
    [InlineData("functionsImageName", "${SERVICE_FUNCTIONS_IMAGE_NAME=}")]
    [InlineData("hostImageName", "${SERVICE_HOST_IMAGE_NAME=}")]
    public void ParametersFile_AzdParameter_ReadsAzdVariable(string parameter, string expected)
    {
        Assert.Equal(expected, (string?)ParametersFile()[parameter]?["value"]);
    }

    [Fact]
    public async Task Outputs_Names_AreUpperSnake()
    {
        var outputs = CompiledTemplate.Names(await MainAsync(), "outputs");

        Assert.NotEmpty(outputs);
        Assert.All(outputs, name => Assert.Matches(UpperSnake(), name));
    }

    [Theory]
    [InlineData("AZURE_LOCATION")]
    [InlineData("AZURE_TENANT_ID")]
    [InlineData("AZURE_RESOURCE_GROUP")]
    [InlineData("AZURE_CLIENT_ID")]
    [InlineData("AZURE_STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_STORAGE_BLOB_ENDPOINT")]
    [InlineData("SERVICEBUS_NAMESPACE_FQDN")]
    [InlineData("AZURE_CONTAINER_REGISTRY_ENDPOINT")] // azd pushes images here
    [InlineData("FUNCTIONS_APP_URL")]
    [InlineData("HOST_APP_URL")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    public async Task Outputs_Expected_IsDeclared(string name)
    {
        Assert.Contains(name, CompiledTemplate.Names(await MainAsync(), "outputs"));
    }

    [Theory]
    [InlineData("infra/hooks/postprovision.sh", @"\$\{?([A-Z][A-Z0-9_]*)")]
    [InlineData("infra/hooks/postprovision.ps1", @"\$env:([A-Z][A-Z0-9_]*)")]
    public async Task Hook_EnvironmentVariablesItReads_AreOutputsOfMain(string script, string pattern)
    {
        var outputs = CompiledTemplate.Names(await MainAsync(), "outputs").ToHashSet(StringComparer.Ordinal);
        var read = Regex.Matches(Repository.ReadText(script), pattern).Select(m => m.Groups[1].Value)
            .Where(v => v != "LOCAL_SETTINGS_PATH").Distinct().ToList();

        Assert.True(read.Count >= 5, $"{script} reads only {read.Count} azd outputs.");
        Assert.All(read, name => Assert.Contains(name, outputs));
    }

    [Fact]
    public async Task GpuWorkloadProfileType_AllowedValues_AreServerlessGpuProfilesSharedWithTheEnvironment()
    {
        var parameter = (await MainAsync())["parameters"]!["gpuWorkloadProfileType"]!;
        var env = await BicepCli.BuildRepositoryFileAsync("infra/app/containerapps-env.bicep");
        var envAllowed = env.Template["parameters"]!["gpuWorkloadProfileType"]!["allowedValues"]!.AsArray()
            .Select(v => (string?)v).ToList();

        var allowed = parameter["allowedValues"]!.AsArray().Select(v => (string?)v).ToList();

        Assert.NotEmpty(allowed);
        Assert.All(allowed, v => Assert.StartsWith("Consumption-GPU-", v, StringComparison.Ordinal));
        Assert.Contains((string?)parameter["defaultValue"], allowed);
        Assert.Equal(allowed, envAllowed);
    }

    [Fact]
    public async Task ResourceGroup_NameAndTags_FollowAzdConventions()
    {
        var main = await MainAsync();
        var text = Repository.ReadText("infra/main.bicep");

        var group = Assert.Single(CompiledTemplate.Resources(main),
            r => (string?)r["type"] == "Microsoft.Resources/resourceGroups");

        Assert.Equal("rg-", (string?)JsonNode.Parse(Repository.ReadText("infra/abbreviations.json"))?["resourcesResourceGroups"]);
        Assert.Contains("resourcesResourceGroups", (string?)group["name"], StringComparison.Ordinal);
        Assert.Contains("parameters('environmentName')", (string?)group["name"], StringComparison.Ordinal);
        Assert.Contains("var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))", text, StringComparison.Ordinal);
        Assert.Contains("'azd-env-name': environmentName", text, StringComparison.Ordinal);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();
}
