using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>Rebuilds schedulers from their state documents.</summary>
public static class SearchSchedulers
{
    /// <summary>
    /// Restores a scheduler saved with <see cref="ISearchScheduler.SaveState"/>; it continues exactly as the saved one
    /// would have (same suggestions for the same reports). The space and objective must be the ones it was built with
    /// (checked by fingerprint).
    /// </summary>
    /// <exception cref="InvalidOperationException">Unknown kind or format, or a different space or objective.</exception>
    /// <exception cref="System.Text.Json.JsonException">The document is not valid JSON of the expected shape.</exception>
    public static ISearchScheduler Restore(string stateJson, SearchSpace space, SearchObjective objective)
    {
        ArgumentNullException.ThrowIfNull(stateJson);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(objective);
        var document = SchedulerCore.Load(stateJson);
        var core = SchedulerCore.Restore(document, space, objective);
        return document.Kind switch
        {
            GridScheduler.KindName => GridScheduler.Restore(document, core),
            RandomScheduler.KindName => RandomScheduler.Restore(document, core),
            SuccessiveHalvingScheduler.KindName => SuccessiveHalvingScheduler.Restore(document, core),
            HyperbandScheduler.KindName => HyperbandScheduler.Restore(document, core),
            AshaScheduler.KindName => AshaScheduler.Restore(document, core),
            _ => throw new InvalidOperationException($"Unknown scheduler kind '{document.Kind}'."),
        };
    }
}
