namespace FunctionsOpt.Orchestration.Api;

/// <summary>
/// RFC 7807 problem details with FunctionsOpt's extensions: <see cref="Code"/>, the stable error code to branch on,
/// and <see cref="Errors"/>, every individual problem (a spec's problems are all reported at once, each with its
/// JSON path and fix).
/// </summary>
public sealed record ApiProblem
{
    /// <summary>Prefix of every <see cref="Type"/>; the stable error code follows it.</summary>
    public const string TypePrefix = "urn:functionsopt:problem:";

    /// <summary>A URI naming the kind of problem: <see cref="TypePrefix"/> and <see cref="Code"/>.</summary>
    public required string Type { get; init; }

    /// <summary>Short summary of the kind of problem; the same for every occurrence of a code.</summary>
    public required string Title { get; init; }

    /// <summary>The HTTP status code.</summary>
    public required int Status { get; init; }

    /// <summary>What went wrong this time, and the fix.</summary>
    public required string Detail { get; init; }

    /// <summary>The resource the problem is about (the request path), when known.</summary>
    public string? Instance { get; init; }

    /// <summary>Stable, machine-readable error code (for example <c>invalid-spec</c>).</summary>
    public required string Code { get; init; }

    /// <summary>Every individual problem, when there are several.</summary>
    public IReadOnlyList<ApiProblemItem>? Errors { get; init; }

    /// <summary>Creates a problem whose <see cref="Type"/> derives from <paramref name="code"/>.</summary>
    public static ApiProblem Create(int status, string code, string title, string detail, string? instance = null, IReadOnlyList<ApiProblemItem>? errors = null) => new()
    {
        Type = TypePrefix + code,
        Title = title,
        Status = status,
        Detail = detail,
        Instance = instance,
        Code = code,
        Errors = errors,
    };
}

/// <summary>One problem: where (a JSON path such as <c>$.search.eta</c>, or a blob name), what is wrong, and the fix.</summary>
/// <param name="Path">Where the problem is.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Fix">How to fix it.</param>
public sealed record ApiProblemItem(string Path, string Message, string Fix);
