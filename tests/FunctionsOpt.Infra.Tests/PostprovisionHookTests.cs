using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FunctionsOpt.Infra.Tests.TestKit;

namespace FunctionsOpt.Infra.Tests;

/// <summary>The azd postprovision hooks write local.settings.json from the outputs, without secrets.</summary>
public sealed partial class PostprovisionHookTests
{
    [Fact]
    public async Task Run_WithAllOutputs_WritesValuesFromThem()
    {
        var outputs = Hook.SampleOutputs();

        var values = await Hook.WriteSampleValuesAsync();

        Assert.Equal("dotnet-isolated", (string?)values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal(outputs["AZURE_STORAGE_ACCOUNT_NAME"], (string?)values["AzureWebJobsStorage__accountName"]);
        Assert.Equal(outputs["SERVICEBUS_NAMESPACE_FQDN"], (string?)values["ServiceBusConnection__fullyQualifiedNamespace"]);
        Assert.Equal(outputs["APPLICATIONINSIGHTS_CONNECTION_STRING"], (string?)values["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        Assert.Equal(outputs["DURABLE_TASK_HUB_NAME"], (string?)values["TaskHubName"]);
        Assert.Equal(outputs["AZURE_STORAGE_BLOB_ENDPOINT"], (string?)values["FunctionsOpt__ArtifactStore__AccountUri"]);
        Assert.Equal("Blob", (string?)values["FunctionsOpt__ArtifactStore__Kind"]);
    }

    [Fact]
    public async Task Run_WithAllOutputs_WritesNoKeyOrSecret()
    {
        var values = await Hook.WriteSampleValuesAsync();

        Assert.All(values, v =>
        {
            Assert.DoesNotContain("AccountKey=", (string?)v.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessKey", (string?)v.Value, StringComparison.OrdinalIgnoreCase);
        });
        // Locally the developer's own identity is used, so no managed-identity selector is written.
        Assert.DoesNotContain(values, v => v.Key.EndsWith("__credential", StringComparison.Ordinal));
        Assert.DoesNotContain(values, v => v.Key.EndsWith("__clientId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_WithOneOutputMissing_FailsNamingItAndWritesNothing()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "local.settings.json");
        var outputs = Hook.SampleOutputs();
        outputs.Remove("SERVICEBUS_NAMESPACE_FQDN");

        var (exitCode, _, stderr) = await Hook.RunAsync(outputs, target);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("SERVICEBUS_NAMESPACE_FQDN", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Scripts_PosixAndPowerShell_WriteTheSameKeys()
    {
        var posix = (await Hook.WriteSampleValuesAsync()).Select(v => v.Key).Order(StringComparer.Ordinal).ToList();
        var powershell = PowerShellKey().Matches(Repository.ReadText("infra/hooks/postprovision.ps1"))
            .Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(posix, powershell);
    }

    [Fact]
    public void PosixScript_InRepository_IsExecutable()
    {
        var mode = File.GetUnixFileMode(Repository.PathOf("infra/hooks/postprovision.sh"));

        Assert.True((mode & UnixFileMode.UserExecute) != 0, "infra/hooks/postprovision.sh lost its executable bit.");
    }

    // A key of the Values table in the PowerShell script: `'Name' = ...` on its own line.
    [GeneratedRegex(@"^\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*=", RegexOptions.Multiline)]
    private static partial Regex PowerShellKey();
}
