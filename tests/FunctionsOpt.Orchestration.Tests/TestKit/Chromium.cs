using System.Diagnostics;

namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>Headless Debian <c>chromium</c> for rendering checks. Absent chromium is a test failure, never a skip.</summary>
internal static class Chromium
{
    public const string InstallHint = "chromium is not installed: run `apt-get update && apt-get install -y chromium` (.ci/run installs it before the tests).";

    /// <summary>The chromium executable on PATH, or a failed assertion saying how to install it.</summary>
    public static string Executable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        Assert.Fail(InstallHint);
        return string.Empty;
    }

    /// <summary>Runs headless chromium on <paramref name="htmlFile"/> with <paramref name="mode"/> (<c>--dump-dom</c> or <c>--screenshot=FILE</c>); returns stdout and stderr.</summary>
    public static (string Stdout, string Stderr) Run(string htmlFile, string mode, string profile)
    {
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--window-size=1400,2400",
            "--enable-logging=stderr", "--v=0", mode, new Uri(htmlFile).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 90 s");
        }

        return (stdout.Result, stderr.Result);
    }
}
