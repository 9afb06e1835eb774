using System.Text.RegularExpressions;
using FunctionsOpt.Infra.Tests.TestKit;
using YamlDotNet.RepresentationModel;

namespace FunctionsOpt.Infra.Tests;

/// <summary>azure.yaml names the two services, which the Bicep tags them with, and hooks that exist.</summary>
public sealed partial class AzureYamlTests
{
    private static YamlMappingNode Root()
    {
        using var reader = new StringReader(Repository.ReadText("azure.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlMappingNode map
            ? map
            : throw new Xunit.Sdk.XunitException($"azure.yaml: '{key}' is missing or not a mapping.");

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (child as YamlScalarNode)?.Value : null;

    [Fact]
    public void Name_IsFunctionsopt()
    {
        Assert.Equal("functionsopt", Scalar(Root(), "name"));
    }

    [Theory]
    [InlineData("functions", "src/FunctionsOpt.Functions")]
    [InlineData("host", "src/FunctionsOpt.Host")]
    public void Service_Declared_IsDotnetContainerAppWithDockerfile(string service, string project)
    {
        var entry = Map(Map(Root(), "services"), service);

        Assert.Equal(project, Scalar(entry, "project"));
        Assert.Equal("dotnet", Scalar(entry, "language"));
        Assert.Equal("containerapp", Scalar(entry, "host"));
        Assert.False(string.IsNullOrEmpty(Scalar(Map(entry, "docker"), "path")));
    }

    [Fact]
    public void Services_Names_MatchTheAzdServiceNameTagsInBicep()
    {
        var services = Map(Root(), "services").Children.Keys.Select(k => ((YamlScalarNode)k).Value).Order(StringComparer.Ordinal);
        var tagged = Repository.BicepFiles()
            .SelectMany(f => ServiceTag().Matches(Repository.ReadText(f)).Select(m => m.Groups[1].Value))
            .Order(StringComparer.Ordinal);

        Assert.Equal(["functions", "host"], services);
        Assert.Equal(services, tagged);
    }

    [Theory]
    [InlineData("posix", "sh")]
    [InlineData("windows", "pwsh")]
    public void Hook_Postprovision_RunsAnExistingScript(string platform, string shell)
    {
        var hook = Map(Map(Map(Root(), "hooks"), "postprovision"), platform);
        var run = Scalar(hook, "run");

        Assert.Equal(shell, Scalar(hook, "shell"));
        Assert.NotNull(run);
        Assert.StartsWith("./infra/hooks/", run, StringComparison.Ordinal);
        Assert.True(File.Exists(Repository.PathOf(run[2..])), $"Hook script {run} does not exist.");
    }

    [GeneratedRegex(@"'azd-service-name':\s*'([^']+)'")]
    private static partial Regex ServiceTag();
}
