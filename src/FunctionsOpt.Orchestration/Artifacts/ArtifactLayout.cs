namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>
/// Where everything lives. Inputs go in <c>models/</c>; each run owns <c>runs/{runId}/</c> with <c>state.json</c>,
/// <c>candidates/{hash}.onnx</c>, <c>best/model.onnx</c>, <c>report.json</c> and <c>trials.csv</c>. Both stores use
/// exactly this layout (containers in Blob Storage, folders under the local root).
/// </summary>
public static class ArtifactLayout
{
    /// <summary>Container of user inputs.</summary>
    public const string ModelsContainer = "models";

    /// <summary>Container of run outputs.</summary>
    public const string RunsContainer = "runs";

    /// <summary>A user input in <c>models/</c>.</summary>
    public static ArtifactPath Model(string name) => ArtifactPath.Create(ArtifactContainer.Models, name);

    /// <summary>The listing prefix of everything a run owns: <c>{runId}/</c> in <c>runs</c>.</summary>
    public static string RunPrefix(string runId)
    {
        ArtifactNames.EnsureRunId(runId);
        return runId + "/";
    }

    /// <summary>The listing prefix of a run's candidates: <c>{runId}/candidates/</c> in <c>runs</c>.</summary>
    public static string CandidatesPrefix(string runId) => RunPrefix(runId) + "candidates/";

    /// <summary><c>runs/{runId}/state.json</c>.</summary>
    public static ArtifactPath State(string runId) => RunFile(runId, "state.json");

    /// <summary><c>runs/{runId}/candidates/{hash}.onnx</c>; the hash is one segment of letters, digits, '_' or '-'.</summary>
    /// <exception cref="InvalidArtifactPathException">The run id or hash is not valid.</exception>
    public static ArtifactPath Candidate(string runId, string hash)
    {
        var problem = ArtifactNames.CheckRunId(hash);
        return problem is null
            ? RunFile(runId, "candidates/" + hash + ".onnx")
            : throw new InvalidArtifactPathException(hash ?? string.Empty, problem.Replace("run id", "candidate hash", StringComparison.Ordinal));
    }

    /// <summary><c>runs/{runId}/best/model.onnx</c>.</summary>
    public static ArtifactPath BestModel(string runId) => RunFile(runId, "best/model.onnx");

    /// <summary><c>runs/{runId}/report.json</c>.</summary>
    public static ArtifactPath Report(string runId) => RunFile(runId, "report.json");

    /// <summary><c>runs/{runId}/trials.csv</c>.</summary>
    public static ArtifactPath TrialsCsv(string runId) => RunFile(runId, "trials.csv");

    /// <summary><c>runs/{runId}/{relativeName}</c> for any other file a run writes.</summary>
    public static ArtifactPath RunFile(string runId, string relativeName) =>
        ArtifactPath.Create(ArtifactContainer.Runs, RunPrefix(runId) + relativeName);

    /// <summary>The stored name of <paramref name="container"/>.</summary>
    public static string ContainerName(ArtifactContainer container) => container switch
    {
        ArtifactContainer.Models => ModelsContainer,
        ArtifactContainer.Runs => RunsContainer,
        _ => throw new ArgumentOutOfRangeException(nameof(container)),
    };

    internal static ArtifactContainer? TryParseContainer(string name) => name switch
    {
        ModelsContainer => ArtifactContainer.Models,
        RunsContainer => ArtifactContainer.Runs,
        _ => null,
    };
}
