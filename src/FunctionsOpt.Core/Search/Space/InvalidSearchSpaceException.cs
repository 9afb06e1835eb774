using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Search.Space;

/// <summary>A search space, a configuration or a user limit is inconsistent; every problem found is listed.</summary>
public sealed class InvalidSearchSpaceException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-search-space";

    /// <summary>Creates the error with every problem found (one line each in the message).</summary>
    public InvalidSearchSpaceException(IReadOnlyList<string> problems)
        : base(Code, "Invalid search space: " + string.Join(" ", problems ?? []))
    {
        Problems = problems ?? [];
    }

    /// <summary>Each problem on its own.</summary>
    public IReadOnlyList<string> Problems { get; }
}
