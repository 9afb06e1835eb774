using FunctionsOpt.Infra.Tests.TestKit;

namespace FunctionsOpt.Infra.Tests;

/// <summary>Every Bicep file compiles with the pinned Bicep CLI, with no error, warning or linter finding.</summary>
public sealed class BicepBuildTests
{
    public static TheoryData<string> BicepFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Repository.BicepFiles())
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Build_RepositoryFile_SucceedsWithoutErrorsOrWarnings(string relativePath)
    {
        var result = await BicepCli.BuildRepositoryFileAsync(relativePath);

        Assert.True(result.ExitCode == 0, $"bicep build {relativePath} exited {result.ExitCode}:\n{result.Diagnostics}");
        Assert.DoesNotContain("Error", result.Diagnostics, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Warning", result.Diagnostics, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(string.Empty, result.Diagnostics.Trim());
    }

    [Fact]
    public void BicepFiles_UnderInfra_AreMainAndEveryModule()
    {
        string[] expected =
        [
            "infra/app/containerapps-env.bicep",
            "infra/app/functions.bicep",
            "infra/app/host.bicep",
            "infra/app/identity.bicep",
            "infra/app/monitoring.bicep",
            "infra/app/rbac.bicep",
            "infra/app/registry.bicep",
            "infra/app/servicebus.bicep",
            "infra/app/storage.bicep",
            "infra/main.bicep",
        ];

        Assert.Equal(expected, Repository.BicepFiles());
    }

    [Fact]
    public void Modules_ReferencedFromMain_AreLocalFiles()
    {
        // Registry (br:) and template spec (ts:) modules would need the network at build time.
        var main = Repository.ReadText("infra/main.bicep");

        Assert.DoesNotContain("'br:", main, StringComparison.Ordinal);
        Assert.DoesNotContain("'br/", main, StringComparison.Ordinal);
        Assert.DoesNotContain("'ts:", main, StringComparison.Ordinal);
        foreach (var module in Repository.BicepFiles().Where(f => f.StartsWith("infra/app/", StringComparison.Ordinal)))
        {
            var reference = $"'{module["infra/".Length..]}'";
            Assert.True(main.Contains(reference, StringComparison.Ordinal), $"main.bicep does not use module {reference}.");
        }
    }

    [Fact]
    public async Task Build_FileThatBreaksLinterRules_ReportsWarnings()
    {
        // The repository's bicepconfig.json beside a file with an unused parameter, an unused variable and a secret
        // output: the linter must report each, or the build test above could not catch them.
        using var dir = new TempFolder();
        File.Copy(Path.Combine(Repository.Infra, "bicepconfig.json"), Path.Combine(dir.Path, "bicepconfig.json"));
        var file = Path.Combine(dir.Path, "bad.bicep");
        await File.WriteAllTextAsync(file, """
            param unused string
            @secure()
            param adminPassword string
            var notUsed = 1
            output password string = adminPassword

            """);

        var result = await BicepCli.BuildAsync(file);

        Assert.Contains("Warning no-unused-params", result.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("Warning no-unused-vars", result.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("Warning outputs-should-not-contain-secrets", result.Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_FileWithTypeError_ReportsErrorAndFails()
    {
        using var dir = new TempFolder();
        var file = Path.Combine(dir.Path, "broken.bicep");
        await File.WriteAllTextAsync(file, "param count int = 'three'\noutput c int = count\n");

        var result = await BicepCli.BuildAsync(file);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error", result.Diagnostics, StringComparison.Ordinal);
    }
}
