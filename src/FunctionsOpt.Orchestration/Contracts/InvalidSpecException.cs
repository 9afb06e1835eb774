using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>The optimization spec is malformed or inconsistent; <see cref="Problems"/> lists every problem at once.</summary>
public sealed class InvalidSpecException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-spec";

    /// <summary>Creates the error from every problem found.</summary>
    public InvalidSpecException(IReadOnlyList<SpecProblem> problems)
        : base(Code, Describe(problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem, each with its JSON path and fix.</summary>
    public IReadOnlyList<SpecProblem> Problems { get; }

    private static string Describe(IReadOnlyList<SpecProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return $"The optimization spec has {problems.Count} problem(s):" + string.Concat(problems.Select(p => Environment.NewLine + "- " + p));
    }
}
