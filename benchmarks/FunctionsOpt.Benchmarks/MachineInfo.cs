using System.Runtime.InteropServices;
using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Benchmarks;

/// <summary>What a result must say about where it was measured.</summary>
internal sealed record MachineInfo(
    int Cores, string CpuModel, string Os, string Runtime, string OrtVersion, string Configuration, string LoadAverage, DateTime StartedUtc)
{
    public static MachineInfo Capture() => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        InferenceSessionFactory.OrtVersion,
#if DEBUG
        "Debug (numbers not representative)",
#else
        "Release",
#endif
        ReadLoadAverage(),
        DateTime.UtcNow);

    private static string ReadCpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo))
        {
            return "unknown CPU";
        }

        var line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string ReadLoadAverage()
    {
        const string loadAvg = "/proc/loadavg";
        return File.Exists(loadAvg) ? string.Join(' ', File.ReadAllText(loadAvg).Split(' ').Take(3)) : "n/a";
    }
}
