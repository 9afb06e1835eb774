using System.Reflection;

namespace FunctionsOpt.Cli.Commands;

/// <summary>What <c>fopt --version</c> prints: the informational version stamped at build (with the commit when the SDK adds it).</summary>
internal static class CliVersion
{
    public static string Text { get; } =
        typeof(CliVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CliVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
