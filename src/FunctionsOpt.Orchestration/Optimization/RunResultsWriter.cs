using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Reporting;

namespace FunctionsOpt.Orchestration.Optimization;

/// <summary>A text file a run writes, relative to its folder (<c>runs/{runId}/</c>).</summary>
/// <param name="RelativePath">Path under the run's folder, '/'-separated.</param>
/// <param name="ArtifactName">The name it is listed under in <see cref="RunState.Artifacts"/>.</param>
/// <param name="Text">UTF-8 content.</param>
public sealed record RunArtifact(string RelativePath, string ArtifactName, string Text);

/// <summary>
/// Renders every text result of a run from its state record alone: <c>report.json</c>, <c>report.html</c>,
/// <c>trials.csv</c>, <c>summary.md</c> (for a CI comment), <c>model-card.md</c>, and, when the run has a chosen and
/// timed model, <c>serving/ort-session.json</c> and the Triton <c>config.pbtxt</c>. Pure: the same record gives the same
/// bytes, so writing them again is harmless.
/// </summary>
public static class RunResultsWriter
{
    /// <summary>Prefix of final re-evaluation trial ids.</summary>
    public const string FinalPrefix = ReportModelBuilder.FinalPrefix;

    /// <summary>The run's text artifacts.</summary>
    public static IReadOnlyList<RunArtifact> Render(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var report = ReportModelBuilder.Build(state);
        var files = new List<RunArtifact>
        {
            new("report.json", "report", ReportJson.Serialize(report)),
            new("report.html", "reportHtml", HtmlReport.Render(report)),
            new("trials.csv", "trials", TrialsCsv.Render(report)),
            new("summary.md", "summary", MarkdownSummary.Render(report)),
            new("model-card.md", "modelCard", ModelCard.Render(report, state)),
        };
        if (HasServing(report))
        {
            files.Add(new(TritonConfig.SessionSettingsPath, "ortSession", SessionSettingsFile.ToJson(TritonConfig.ServingSettings(report))));
            files.Add(new(TritonConfig.ConfigPath(report.Model!.Name), "tritonConfig", TritonConfig.Render(report)));
        }

        return files;
    }

    /// <summary>Whether the report has what serving files need: a model signature, a chosen candidate and its throughput curve.</summary>
    public static bool HasServing(ReportModel report) =>
        report is { Model: not null, Serving: not null, Best.CandidateHash: not null };
}
