using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Cli.Commands;

/// <summary>A memory probe that re-launches this very CLI with its hidden <c>memprobe</c> command.</summary>
internal static class SelfProbe
{
    public static ChildProcessMemoryProbe Create()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot locate the running executable for the memory probe.");
        // Run as `dotnet fopt.dll` the host is dotnet and the assembly path must come first; as the apphost it is not.
        var viaDotnet = Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        IReadOnlyList<string> prefix = viaDotnet ? [typeof(SelfProbe).Assembly.Location, "memprobe"] : ["memprobe"];
        return new ChildProcessMemoryProbe(process, prefix);
    }
}
