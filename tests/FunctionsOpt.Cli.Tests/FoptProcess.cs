using System.Diagnostics;
using System.Reflection;

namespace FunctionsOpt.Cli.Tests;

/// <summary>Runs the real built CLI (<c>dotnet fopt.dll ...</c>) as a separate process, as a user would.</summary>
internal static class FoptProcess
{
    public static string FoptDll => Path.Combine(AppContext.BaseDirectory, "fopt.dll");

    public static string PenguinsModel => Path.Combine(AppContext.BaseDirectory, "samples", "penguins", "model.onnx");

    public static string PenguinsEval => Path.Combine(AppContext.BaseDirectory, "samples", "penguins", "eval.csv");

    public static string PenguinsMetadata => Path.Combine(AppContext.BaseDirectory, "samples", "penguins", "metadata.json");

    public static string ResNet18 => typeof(FoptProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ResNet18Path").Value!;

    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(FoptDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Wide enough that table cells are not wrapped mid-word in the captured output.
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("fopt did not finish within 5 minutes.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A temporary folder removed at dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fopt-cli-tests-" + Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Leftover temp files must not fail a test.
        }
    }
}
