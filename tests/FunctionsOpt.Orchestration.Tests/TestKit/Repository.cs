namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>The repository checkout the tests run from.</summary>
internal static class Repository
{
    /// <summary>The folder holding FunctionsOpt.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FunctionsOpt.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("FunctionsOpt.sln not found above " + AppContext.BaseDirectory);
    }
}
