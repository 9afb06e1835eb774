using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace FunctionsOpt.Functions.Tests;

/// <summary>The rest of what the Functions host reads from the output: extensions.json, host.json, the packages.</summary>
public sealed class BuildOutputTests
{
    [Theory]
    [InlineData("DurableTask", "Microsoft.Azure.WebJobs.Extensions.DurableTask")]
    [InlineData("AzureStorageBlobs", "Microsoft.Azure.WebJobs.Extensions.Storage.Blobs")]
    [InlineData("AzureStorageQueues", "Microsoft.Azure.WebJobs.Extensions.Storage.Queues")]
    public void ExtensionsJson_Extension_IsListedWithItsAssemblyInTheOutput(string name, string assembly)
    {
        var extensions = FunctionsAppOutput.Read("extensions.json")["extensions"]!.AsArray().Select(e => e!.AsObject()).ToList();

        var extension = Assert.Single(extensions, e => (string?)e["name"] == name);

        Assert.Equal(assembly, ((string)extension["typeName"]!).Split(", ")[1]);
        var hintPath = (string)extension["hintPath"]!;
        Assert.Equal($"./.azurefunctions/{assembly}.dll", hintPath);
        Assert.True(File.Exists(Path.Combine(FunctionsAppOutput.Folder, hintPath)), hintPath);
    }

    [Fact]
    public void HostJson_Settings_NameTheHubFromSettingsAndBoundRetriesAndConcurrency()
    {
        var host = FunctionsAppOutput.Read("host.json");

        Assert.Equal("2.0", (string?)host["version"]);
        var durable = host["extensions"]!["durableTask"]!;
        Assert.Equal("%TaskHubName%", (string?)durable["hubName"]);
        Assert.InRange((int)durable["maxConcurrentActivityFunctions"]!, 1, 64);
        var queues = host["extensions"]!["queues"]!;
        Assert.Equal(5, (int)queues["maxDequeueCount"]!);
        Assert.Equal("none", (string?)queues["messageEncoding"]);
    }

    [Fact]
    public void TaskHubNameSetting_HostJsonReadsIt_LocalSampleAndAzureSettingsProvideIt()
    {
        var sample = JsonNode.Parse(FunctionsAppOutput.ReadRepositoryText("local.settings.sample.json"))!["Values"]!;
        var bicep = FunctionsAppOutput.ReadRepositoryText("infra/main.bicep");
        var hook = FunctionsAppOutput.ReadRepositoryText("infra/hooks/postprovision.sh");

        Assert.False(string.IsNullOrWhiteSpace((string?)sample["TaskHubName"]));
        Assert.Equal("UseDevelopmentStorage=true", (string?)sample["AzureWebJobsStorage"]);
        Assert.Matches(@"(?m)^\s*TaskHubName: taskHubName$", bicep);
        Assert.Matches(@"(?m)^\s*AzureWebJobsStorage__accountName: ", bicep);
        Assert.Contains("\"TaskHubName\"", hook, StringComparison.Ordinal);
    }

    [Fact]
    public void DepsJson_DurableTaskPackages_AreAllAtTheOneVersionTheRepositoryPins()
    {
        var props = XDocument.Parse(FunctionsAppOutput.ReadRepositoryText("Directory.Packages.props"));
        var pinned = props.Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == "Microsoft.DurableTask.Abstractions").Attribute("Version")!.Value;
        var deps = FunctionsAppOutput.Read("FunctionsOpt.Functions.deps.json");

        var durable = deps["libraries"]!.AsObject().Select(l => l.Key)
            .Where(k => k.StartsWith("Microsoft.DurableTask.", StringComparison.Ordinal)).ToList();

        Assert.Contains($"Microsoft.DurableTask.Abstractions/{pinned}", durable);
        Assert.Contains($"Microsoft.DurableTask.Worker.Grpc/{pinned}", durable);
        Assert.All(durable, library => Assert.EndsWith("/" + pinned, library, StringComparison.Ordinal));
    }

    [Fact]
    public void Output_CpuFlavour_HasTheCpuOnnxRuntimeAndNoCudaProvider()
    {
        var deps = FunctionsAppOutput.Read("FunctionsOpt.Functions.deps.json")["libraries"]!.AsObject().Select(l => l.Key).ToList();

        Assert.Contains(deps, l => l.StartsWith("Microsoft.ML.OnnxRuntime/", StringComparison.Ordinal));
        Assert.DoesNotContain(deps, l => l.StartsWith("Microsoft.ML.OnnxRuntime.Gpu", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(FunctionsAppOutput.Folder, "runtimes", "linux-x64", "native", "libonnxruntime.so")));
        Assert.False(File.Exists(Path.Combine(FunctionsAppOutput.Folder, "runtimes", "linux-x64", "native", "libonnxruntime_providers_cuda.so")));
    }

    [Fact]
    public void Project_DefaultFlavour_IsTheGpuPackage()
    {
        var project = XDocument.Parse(FunctionsAppOutput.ReadRepositoryText("src/FunctionsOpt.Functions/FunctionsOpt.Functions.csproj"));

        var flavour = Assert.Single(project.Descendants("OnnxRuntimeFlavor"));

        Assert.Equal("gpu", flavour.Value);
        Assert.Equal("'$(OnnxRuntimeFlavor)' == ''", (string?)flavour.Attribute("Condition"));
        Assert.Equal("true", project.Descendants("UsesOnnxRuntimeNative").Single().Value);
        Assert.Equal("v4", project.Descendants("AzureFunctionsVersion").Single().Value);
    }
}
