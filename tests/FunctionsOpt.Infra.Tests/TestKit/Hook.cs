using System.Diagnostics;
using System.Text.Json.Nodes;

namespace FunctionsOpt.Infra.Tests.TestKit;

/// <summary>Runs infra/hooks/postprovision.sh the way azd does: from the repository root, outputs as environment variables.</summary>
internal static class Hook
{
    /// <summary>A complete set of the outputs the hook reads, with values shaped like real ones.</summary>
    public static Dictionary<string, string> SampleOutputs() => new(StringComparer.Ordinal)
    {
        ["AZURE_STORAGE_ACCOUNT_NAME"] = "stabc123",
        ["AZURE_STORAGE_BLOB_ENDPOINT"] = "https://stabc123.blob.core.windows.net/",
        ["SERVICEBUS_NAMESPACE_FQDN"] = "sb-abc123.servicebus.windows.net",
        ["SERVICEBUS_REQUESTS_QUEUE_NAME"] = "optimization-requests",
        ["SERVICEBUS_EVENTS_TOPIC_NAME"] = "optimization-events",
        // Quotes and a backslash check the script's JSON escaping.
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x.in.applicationinsights.azure.com/;Note=\"a\\b\"",
        ["DURABLE_TASK_HUB_NAME"] = "FunctionsOptHub",
    };

    /// <summary>Runs the hook with exactly these variables (plus PATH) and the output path; returns exit code and streams.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        IReadOnlyDictionary<string, string> outputs, string localSettingsPath)
    {
        var start = new ProcessStartInfo("sh")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("infra/hooks/postprovision.sh");
        var path = start.Environment["PATH"];
        start.Environment.Clear();
        start.Environment["PATH"] = path;
        foreach (var (key, value) in outputs)
        {
            start.Environment[key] = value;
        }

        start.Environment["LOCAL_SETTINGS_PATH"] = localSettingsPath;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start sh.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the hook with <see cref="SampleOutputs"/> and returns the Values of the file it wrote.</summary>
    public static async Task<JsonObject> WriteSampleValuesAsync()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "local.settings.json");
        var (exitCode, _, stderr) = await RunAsync(SampleOutputs(), target);
        if (exitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"postprovision.sh exited {exitCode}: {stderr}");
        }

        return JsonNode.Parse(await File.ReadAllTextAsync(target))?["Values"]?.AsObject()
            ?? throw new Xunit.Sdk.XunitException("postprovision.sh wrote no Values object.");
    }
}
