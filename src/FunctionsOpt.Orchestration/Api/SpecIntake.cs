using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>
/// What every entry point checks before it starts a run, so a user error is answered up front instead of failing a
/// run minutes later: the JSON parses and satisfies the schema and the cross-field rules, every pass name is in the
/// catalogue, the objective and constraints are measured per trial, the model and dataset are blobs (a service
/// never reads a local path from a request), and both blobs exist in the store. Every problem is reported at once.
/// Thread-safe.
/// </summary>
public sealed class SpecIntake
{
    /// <summary>Longest spec accepted, in characters (a spec is a small document; models travel as blobs).</summary>
    public const int MaxSpecLength = 1024 * 1024;

    /// <summary>Error code of a spec naming blobs that do not exist.</summary>
    public const string MissingBlobCode = ArtifactNotFoundException.Code;

    private static readonly SpecValidator Validator = new(new DefaultPassCatalogue().Passes.Select(p => p.Name));

    private readonly IArtifactStore _store;

    /// <summary>Checks specs against <paramref name="store"/>.</summary>
    public SpecIntake(IArtifactStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>
    /// The parsed spec when it can start a run, otherwise a 400 problem listing every problem (code
    /// <see cref="InvalidSpecException.Code"/>, or <see cref="MissingBlobCode"/> when only blobs are missing).
    /// </summary>
    public async Task<(OptimizationSpec? Spec, ApiProblem? Problem)> CheckAsync(string? json, string? instance, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (null, InvalidSpec(instance, [new ApiProblemItem("$", "the spec is empty", "send the optimization spec as a JSON object")]));
        }

        if (json.Length > MaxSpecLength)
        {
            return (null, InvalidSpec(instance, [new ApiProblemItem("$", $"the spec is {json.Length} characters long, more than {MaxSpecLength}", "reference models and data as blobs instead of inlining them")]));
        }

        var validation = Validator.Validate(json);
        var problems = validation.Problems.Select(p => new ApiProblemItem(p.Path, p.Message, p.Fix)).ToList();
        if (validation.Spec is not { } spec)
        {
            return (null, InvalidSpec(instance, problems));
        }

        problems.AddRange(SpecMapper.Unsupported(spec).Select(u => new ApiProblemItem("$", u, "change the spec as the message says")));
        if (spec.Model.Path is not null)
        {
            problems.Add(LocalPath("$.model.path"));
        }

        if (spec.Dataset.Path is not null)
        {
            problems.Add(LocalPath("$.dataset.path"));
        }

        if (problems.Count > 0)
        {
            return (null, InvalidSpec(instance, problems));
        }

        // Blob names are valid here: the validator checks them with the store's naming rules.
        var missing = new List<(string JsonPath, ArtifactPath Blob)>();
        foreach (var (jsonPath, blob) in new[] { ("$.model.blob", spec.Model.Blob!), ("$.dataset.blob", spec.Dataset.Blob!) })
        {
            var path = ArtifactLayout.Model(blob);
            if (!await _store.ExistsAsync(path, cancellationToken))
            {
                missing.Add((jsonPath, path));
            }
        }

        if (missing.Count > 0)
        {
            var names = string.Join(" and ", missing.Select(m => $"\"{m.Blob}\""));
            return (null, ApiProblem.Create(
                400, MissingBlobCode, "The spec names blobs that do not exist",
                $"The spec names {names}, which the store does not hold; upload the files to the '{ArtifactLayout.ModelsContainer}' container first, or fix the names.",
                instance,
                missing.Select(m => new ApiProblemItem(m.JsonPath, $"\"{m.Blob}\" does not exist", $"upload it to the '{ArtifactLayout.ModelsContainer}' container, or fix the name")).ToArray()));
        }

        return (spec, null);
    }

    private static ApiProblem InvalidSpec(string? instance, List<ApiProblemItem> problems) => ApiProblem.Create(
        400, InvalidSpecException.Code, "The optimization spec is invalid",
        $"The optimization spec has {problems.Count} problem(s); each is listed under 'errors' with its JSON path and fix.",
        instance, problems);

    private static ApiProblemItem LocalPath(string path) =>
        new(path, "local file paths are read only by embedded runs (fopt optimize), never by the service",
            $"upload the file to the '{ArtifactLayout.ModelsContainer}' container and reference it as \"blob\"");
}
