using System.Reflection;
using System.Text.Json.Nodes;

namespace FunctionsOpt.Functions.Tests;

/// <summary>The Functions app as built with the CPU flavour by this project's build, and the repository's files.</summary>
internal static class FunctionsAppOutput
{
    public static string Folder { get; } = Metadata("FunctionsAppOutput");

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static JsonNode Read(string relativePath) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, relativePath)), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })
            ?? throw new InvalidOperationException($"{relativePath} is empty.");

    public static string ReadRepositoryText(string relativePath) => File.ReadAllText(Path.Combine(RepositoryRoot, relativePath));

    private static string Metadata(string key) =>
        typeof(FunctionsAppOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
