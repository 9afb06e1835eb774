namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>One problem with a spec: where (a JSON path such as <c>$.search.eta</c>), what is wrong, and the fix.</summary>
/// <param name="Path">JSON path of the offending value (<c>$</c> is the document, <c>$.passes[1]</c> an array item).</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Fix">How to fix it.</param>
public sealed record SpecProblem(string Path, string Message, string Fix)
{
    /// <summary><c>path: message; fix</c>.</summary>
    public override string ToString() => $"{Path}: {Message}; {Fix}";
}

/// <summary>The outcome of validating a spec: every problem found, and the parsed spec when there are none.</summary>
public sealed record SpecValidationResult
{
    /// <summary>Every problem found; empty when the spec is valid.</summary>
    public required IReadOnlyList<SpecProblem> Problems { get; init; }

    /// <summary>The parsed spec, when <see cref="IsValid"/>.</summary>
    public OptimizationSpec? Spec { get; init; }

    /// <summary>True when there are no problems.</summary>
    public bool IsValid => Problems.Count == 0;
}
