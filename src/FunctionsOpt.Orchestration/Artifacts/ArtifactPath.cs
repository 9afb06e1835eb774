using System.Globalization;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>The two top-level areas of the store: user inputs and run outputs.</summary>
public enum ArtifactContainer
{
    /// <summary>User inputs: models, datasets and specs (container <c>models</c>).</summary>
    Models,

    /// <summary>Run outputs under <c>{runId}/</c> (container <c>runs</c>).</summary>
    Runs,
}

/// <summary>
/// A validated location in the artifact store: a container plus a relative name made of '/'-separated segments.
/// Every instance is safe to map onto a blob name or a path under the local root: no empty segment, no segment that
/// starts with '.', no "..", only <c>A-Z a-z 0-9 . _ -</c>, at most 1024 characters.
/// </summary>
public sealed record ArtifactPath
{
    private ArtifactPath(ArtifactContainer container, string name)
    {
        Container = container;
        Name = name;
    }

    /// <summary>The container.</summary>
    public ArtifactContainer Container { get; }

    /// <summary>The name inside the container (the blob name), for example <c>run-0123/state.json</c>.</summary>
    public string Name { get; }

    /// <summary>The container's name as stored: <c>models</c> or <c>runs</c>.</summary>
    public string ContainerName => ArtifactLayout.ContainerName(Container);

    /// <summary>Creates a path after validating <paramref name="name"/>.</summary>
    /// <exception cref="InvalidArtifactPathException">The name is not a safe relative name.</exception>
    public static ArtifactPath Create(ArtifactContainer container, string name)
    {
        var problem = ArtifactNames.CheckName(name);
        return problem is null
            ? new ArtifactPath(container, name)
            : throw new InvalidArtifactPathException(name, problem);
    }

    /// <summary>Parses the text form <c>{container}/{name}</c>, for example <c>runs/run-0123/report.json</c>.</summary>
    /// <exception cref="InvalidArtifactPathException">Unknown container or unsafe name.</exception>
    public static ArtifactPath Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? path : path[..slash];
        var parsed = ArtifactLayout.TryParseContainer(container)
            ?? throw new InvalidArtifactPathException(path, $"it does not start with \"{ArtifactLayout.ModelsContainer}/\" or \"{ArtifactLayout.RunsContainer}/\"");
        return Create(parsed, slash < 0 ? string.Empty : path[(slash + 1)..]);
    }

    /// <summary>The text form <c>{container}/{name}</c>, which <see cref="Parse"/> reads back.</summary>
    public override string ToString() => ContainerName + "/" + Name;
}

/// <summary>One entry of a listing.</summary>
/// <param name="Path">Where it is.</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="LastModified">When it was last written, as the store reports it.</param>
public sealed record ArtifactInfo(ArtifactPath Path, long Length, DateTimeOffset? LastModified);

/// <summary>The naming rules shared by both stores and by spec validation.</summary>
public static class ArtifactNames
{
    /// <summary>Longest name accepted (blob names may be longer; local paths may not).</summary>
    public const int MaxNameLength = 1024;

    /// <summary>Longest run id accepted.</summary>
    public const int MaxRunIdLength = 128;

    /// <summary>Null when <paramref name="name"/> is a safe relative name; otherwise what is wrong and how to fix it.</summary>
    public static string? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "it is empty; give a relative name such as \"folder/model.onnx\"";
        }

        if (name.Length > MaxNameLength)
        {
            return $"it is {name.Length} characters long; use at most {MaxNameLength}";
        }

        if (name[0] == '/' || name[0] == '\\')
        {
            return "it starts with a separator; names are relative, remove the leading '/'";
        }

        if (name.Contains("..", StringComparison.Ordinal))
        {
            return "it contains \"..\"; names may not climb out of their container";
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "it has an empty segment (\"//\" or a trailing '/'); remove the extra '/'";
            }

            if (segment[0] == '.')
            {
                return $"segment \"{segment}\" starts with '.'; start each segment with a letter, digit, '_' or '-'";
            }

            // An index, not FirstOrDefault: a NUL is default(char) and would read as "nothing bad found".
            var at = segment.AsSpan().IndexOfAnyExcept(NameChars);
            if (at >= 0)
            {
                var bad = segment[at];
                var shown = char.IsControl(bad) ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)bad:X4}") : $"'{bad}'";
                return $"it contains {shown}; use only letters, digits, '.', '_', '-' and '/' between segments";
            }
        }

        return null;
    }

    /// <summary>Null when <paramref name="runId"/> is a valid run id (one segment of letters, digits, '_', '-'); otherwise the problem.</summary>
    public static string? CheckRunId(string? runId)
    {
        if (string.IsNullOrEmpty(runId))
        {
            return "the run id is empty; use the id the spec hash gives, such as \"run-0123456789abcdef\"";
        }

        if (runId.Length > MaxRunIdLength)
        {
            return $"the run id is {runId.Length} characters long; use at most {MaxRunIdLength}";
        }

        var bad = runId.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'));
        return bad == default
            ? null
            : $"the run id contains '{bad}'; use only letters, digits, '_' and '-'";
    }

    /// <summary>Checks a run id.</summary>
    /// <exception cref="InvalidArtifactPathException">The run id is not valid.</exception>
    public static void EnsureRunId(string? runId)
    {
        var problem = CheckRunId(runId);
        if (problem is not null)
        {
            throw new InvalidArtifactPathException(runId ?? string.Empty, problem);
        }
    }

    /// <summary>Null when <paramref name="prefix"/> is usable for a listing (empty, or a name, optionally ending in '/').</summary>
    internal static string? CheckPrefix(string prefix) =>
        prefix.Length == 0 ? null : CheckName(prefix.EndsWith('/') ? prefix[..^1] : prefix);

    private static readonly System.Buffers.SearchValues<char> NameChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
}
