using System.Text.RegularExpressions;
using System.Xml.Linq;
using FunctionsOpt.Infra.Tests.TestKit;

namespace FunctionsOpt.Infra.Tests;

/// <summary>
/// Both images (the GPU profile's apps) publish the same trimmed linux-x64 build as benchmarks/gpu/pack.sh: the GPU
/// ONNX Runtime package, with the Windows native DLLs it adds to every output dropped by Directory.Build.targets.
/// No Docker engine here, so the text is what can be checked; pack.sh measures the trim on a real publish.
/// </summary>
public sealed partial class DockerfileTests
{
    /// <summary>The `RUN dotnet publish ...` instruction with its continuation lines joined, comments left out.</summary>
    private static string PublishInstruction(string dockerfile)
    {
        var lines = Repository.ReadText(dockerfile).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(l => l.StartsWith("RUN dotnet publish", StringComparison.Ordinal));
        Assert.True(start >= 0, $"{dockerfile}: no 'RUN dotnet publish' instruction.");
        var joined = new List<string>();
        for (var i = start; i < lines.Count; i++)
        {
            joined.Add(lines[i].TrimEnd('\\').Trim());
            if (!lines[i].EndsWith('\\'))
            {
                break;
            }
        }

        return string.Join(' ', joined);
    }

    [GeneratedRegex(@"--output\s+(\S+)")]
    private static partial Regex OutputOption();

    [Theory]
    [InlineData("src/FunctionsOpt.Host/Dockerfile")]
    [InlineData("src/FunctionsOpt.Functions/Dockerfile")]
    public void Publish_GpuImage_IsLinuxX64GpuFlavour(string dockerfile)
    {
        var publish = PublishInstruction(dockerfile);

        // The trim only applies to a non-Windows RID: a portable publish would keep the 215 MB of DLLs.
        Assert.Contains("--runtime linux-x64", publish, StringComparison.Ordinal);
        Assert.Contains("-p:OnnxRuntimeFlavor=gpu", publish, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("src/FunctionsOpt.Host/Dockerfile")]
    [InlineData("src/FunctionsOpt.Functions/Dockerfile")]
    public void Publish_GpuImage_FailsWhenWindowsOnnxRuntimeDllsAreInItsOutput(string dockerfile)
    {
        var publish = PublishInstruction(dockerfile);
        var output = OutputOption().Match(publish);
        Assert.True(output.Success, $"{dockerfile}: the publish names no --output folder.");

        // The check must look in the folder the publish wrote, and stop the build when it finds a DLL.
        var check = $"if ls {output.Groups[1].Value}/onnxruntime*.dll > /dev/null 2>&1; then";
        Assert.Contains(check, publish, StringComparison.Ordinal);
        Assert.Contains("exit 1", publish[publish.IndexOf(check, StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("src/FunctionsOpt.Host/Dockerfile")]
    [InlineData("src/FunctionsOpt.Functions/Dockerfile")]
    public void Build_GpuImage_CopiesTheTargetsThatTrimThePublish(string dockerfile)
    {
        var copies = Repository.ReadText(dockerfile).Split('\n')
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal));

        Assert.Contains(copies, l => l.Split(' ').Contains("Directory.Build.targets"));
    }

    [Fact]
    public void DirectoryBuildTargets_DropWindowsOnnxRuntimeNatives_RunsForNonWindowsRidsBeforeTargetPaths()
    {
        var doc = XDocument.Parse(Repository.ReadText("Directory.Build.targets"));
        var target = doc.Root!.Elements("Target").Single(t => (string?)t.Attribute("Name") == "DropWindowsOnnxRuntimeNatives");
        var condition = (string?)target.Attribute("Condition") ?? "";

        // AssignTargetPaths turns None into the items both the build copy and the publish copy read.
        Assert.Equal("AssignTargetPaths", (string?)target.Attribute("BeforeTargets"));
        Assert.Contains("'$(RuntimeIdentifier)' != ''", condition, StringComparison.Ordinal);
        Assert.Contains("!$(RuntimeIdentifier.StartsWith('win'))", condition, StringComparison.Ordinal);
        Assert.Contains("'$(UsesOnnxRuntimeNative)' == 'true'", condition, StringComparison.Ordinal);
        var removed = target.Descendants("None").Single();
        Assert.Equal("@(_WindowsOnnxRuntimeNative)", (string?)removed.Attribute("Remove"));
        var selected = target.Descendants("_WindowsOnnxRuntimeNative").Single();
        Assert.Contains("'%(Extension)' == '.dll'", (string?)selected.Attribute("Condition") ?? "", StringComparison.Ordinal);
        Assert.Contains("StartsWith('onnxruntime')", (string?)selected.Attribute("Condition") ?? "", StringComparison.Ordinal);
    }
}
