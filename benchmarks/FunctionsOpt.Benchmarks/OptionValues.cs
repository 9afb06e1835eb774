using System.Globalization;
using System.Reflection;

namespace FunctionsOpt.Benchmarks;

/// <summary>Value parsing and default paths shared by the benchmarks' option records.</summary>
internal static class OptionValues
{
    public static int Positive(string name, string value)
    {
        var parsed = int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
        return parsed > 0 ? parsed : throw new ArgumentException($"{name} must be positive (got {value}).");
    }

    public static int NonNegative(string name, string value)
    {
        var parsed = int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
        return parsed >= 0 ? parsed : throw new ArgumentException($"{name} must not be negative (got {value}).");
    }

    /// <summary>A path under the repository root (set at build time in FunctionsOpt.Benchmarks.csproj).</summary>
    public static string FromRepository(string relative) => Path.GetFullPath(Path.Combine(Metadata("RepositoryRoot"), relative));

    public static string Metadata(string key) =>
        typeof(OptionValues).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; it is set in FunctionsOpt.Benchmarks.csproj.");
}
