using System.Reflection;

namespace FunctionsOpt.Infra.Tests.TestKit;

/// <summary>Paths in the repository the tests were built from.</summary>
internal static class Repository
{
    /// <summary>The repository root (the folder holding FunctionsOpt.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The infra/ folder.</summary>
    public static string Infra => Path.Combine(Root, "infra");

    /// <summary>An absolute path from a repository-relative one written with forward slashes.</summary>
    public static string PathOf(string relative) =>
        Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Every .bicep file under infra/, repository-relative with forward slashes, in ordinal order.</summary>
    public static IReadOnlyList<string> BicepFiles() =>
        [.. Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];

    /// <summary>Reads a repository file as text.</summary>
    public static string ReadText(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>A value recorded in this assembly's metadata by the project file.</summary>
    public static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; see FunctionsOpt.Infra.Tests.csproj.");

    private static string FindRoot()
    {
        var recorded = Metadata("RepositoryRoot");
        if (File.Exists(Path.Combine(recorded, "FunctionsOpt.sln")))
        {
            return recorded;
        }

        // The build folder moved (a copied output): walk up from the test assembly instead.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FunctionsOpt.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No FunctionsOpt.sln at '{recorded}' or above '{AppContext.BaseDirectory}'.");
    }
}
