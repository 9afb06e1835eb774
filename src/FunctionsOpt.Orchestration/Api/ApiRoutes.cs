using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>
/// The HTTP routes every host serves, and the links the API hands out (relative to the host, so they hold behind any
/// proxy or custom domain).
/// </summary>
public static class ApiRoutes
{
    /// <summary>The collection of runs: <c>POST</c> starts one, <c>GET</c> lists them.</summary>
    public const string Optimizations = "/api/optimizations";

    /// <summary><c>GET /api/optimizations/{id}</c>: one run's status.</summary>
    public static string Run(string runId) => Optimizations + "/" + Uri.EscapeDataString(runId);

    /// <summary><c>POST /api/optimizations/{id}/cancel</c>.</summary>
    public static string Cancel(string runId) => Run(runId) + "/cancel";

    /// <summary><c>GET /api/optimizations/{id}/report</c>.</summary>
    public static string Report(string runId) => Run(runId) + "/report";

    /// <summary>Every link of a run.</summary>
    public static RunLinks LinksOf(string runId) => new(Run(runId), Cancel(runId), Report(runId), ArtifactLayout.BestModel(runId).ToString());
}

/// <summary>Where to poll, cancel and fetch a run's results.</summary>
/// <param name="Status">The run's status (<c>GET</c>).</param>
/// <param name="Cancel">Cancels the run (<c>POST</c>).</param>
/// <param name="Report">The run's report.json once it has ended (<c>GET</c>).</param>
/// <param name="BestModel">The artifact path of the optimized model once the run has completed.</param>
public sealed record RunLinks(string Status, string Cancel, string Report, string BestModel);
