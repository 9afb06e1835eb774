using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace FunctionsOpt.Infra.Tests.TestKit;

/// <summary>The outcome of one <c>bicep build</c>.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="Json">The ARM template written to stdout (empty when the build failed).</param>
/// <param name="Diagnostics">Everything written to stderr: errors, warnings and linter findings.</param>
internal sealed record BicepBuildResult(int ExitCode, string Json, string Diagnostics)
{
    /// <summary>The compiled template, parsed.</summary>
    public JsonObject Template => JsonNode.Parse(Json)?.AsObject()
        ?? throw new InvalidOperationException("bicep build wrote no template.");
}

/// <summary>
/// Runs the Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 NuGet package (no az CLI, no network: modules are
/// local files). Builds of repository files are cached per path for the test run.
/// </summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly ConcurrentDictionary<string, Lazy<Task<BicepBuildResult>>> Cache = new(StringComparer.Ordinal);
    private static readonly Lazy<string> ExecutablePath = new(LocateExecutable);

    /// <summary>Full path of the bicep executable inside the package folder, executable bit ensured.</summary>
    public static string Executable => ExecutablePath.Value;

    /// <summary>Builds a repository .bicep file (repository-relative path), once per test run.</summary>
    public static Task<BicepBuildResult> BuildRepositoryFileAsync(string relativePath) =>
        Cache.GetOrAdd(relativePath, p => new Lazy<Task<BicepBuildResult>>(() => BuildAsync(Repository.PathOf(p)))).Value;

    /// <summary>Builds any .bicep file; the linter reads the bicepconfig.json nearest to it.</summary>
    public static async Task<BicepBuildResult> BuildAsync(string fullPath)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("build");
        start.ArgumentList.Add("--stdout");
        start.ArgumentList.Add(fullPath);
        // No telemetry or update checks from a test run.
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep build {fullPath} ran past {Timeout}.");
        }

        return new BicepBuildResult(process.ExitCode, await stdout, await stderr);
    }

    private static string LocateExecutable()
    {
        var package = Repository.Metadata("BicepPackagePath");
        if (string.IsNullOrEmpty(package) || !Directory.Exists(package))
        {
            throw new InvalidOperationException(
                $"The Azure.Bicep.CommandLine.linux-x64 package folder '{package}' does not exist; restore the test project.");
        }

        var path = Path.Combine(package, "tools", "bicep");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"No bicep executable at '{path}'.");
        }

        // NuGet extraction does not always keep the executable bit (it depends on the client and the platform).
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }
}
