using System.Globalization;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;

namespace FunctionsOpt.Cli.Rendering;

/// <summary>One line describing a run's live progress, shared by <c>fopt optimize</c> and <c>fopt submit --wait</c>.</summary>
internal static class RunProgressText
{
    public static string Describe(RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var text = progress.Phase switch
        {
            RunStatus.Searching => string.Create(CultureInfo.InvariantCulture, $"Searching: rung {progress.Rung}, {progress.TrialsDone}/{progress.TrialsTotal} trials"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{progress.Phase}: {progress.TrialsDone}/{progress.TrialsTotal} trials"),
        };
        return progress.Best is { } best
            ? text + string.Create(CultureInfo.InvariantCulture, $", best so far {best.TrialId} ({best.Objective:G4}{(best.MeetsConstraints ? string.Empty : ", not yet within the bar")})")
            : text;
    }
}
