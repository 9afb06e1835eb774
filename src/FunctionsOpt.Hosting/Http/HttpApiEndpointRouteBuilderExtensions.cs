using FunctionsOpt.Orchestration.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Hosting.Http;

/// <summary>Maps the HTTP API (<see cref="ApiRoutes"/>) and <c>/healthz</c>.</summary>
public static class HttpApiEndpointRouteBuilderExtensions
{
    /// <summary>The liveness endpoint: 200 while the process serves requests; never behind the API key.</summary>
    public const string HealthRoute = "/healthz";

    /// <summary>
    /// Maps <c>POST/GET /api/optimizations</c>, <c>GET /api/optimizations/{id}</c>, <c>POST .../{id}/cancel</c> and
    /// <c>GET .../{id}/report</c>, each a thin adapter over <see cref="OptimizationApi"/> behind the API-key check, and
    /// <see cref="HealthRoute"/>. Needs <see cref="HttpApiServiceCollectionExtensions.AddFunctionsOptHttpApi"/>.
    /// </summary>
    public static RouteGroupBuilder MapFunctionsOptApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapHealthChecks(HealthRoute);
        var runs = endpoints.MapGroup(ApiRoutes.Optimizations);
        runs.AddEndpointFilterFactory((factory, next) =>
        {
            var filter = factory.ApplicationServices.GetRequiredService<ApiKeyFilter>();
            return invocation => filter.InvokeAsync(invocation, next);
        });

        runs.MapPost(string.Empty, StartAsync).WithName("StartOptimization");
        runs.MapGet(string.Empty, (HttpRequest request, OptimizationApi api, CancellationToken cancellationToken) =>
            Answer(api.ListAsync(request.Query["status"], request.Query["continuationToken"], request.Query["pageSize"], cancellationToken))).WithName("ListOptimizations");
        runs.MapGet("/{id}", (string id, OptimizationApi api, CancellationToken cancellationToken) =>
            Answer(api.GetAsync(id, cancellationToken))).WithName("GetOptimization");
        runs.MapPost("/{id}/cancel", (string id, OptimizationApi api, CancellationToken cancellationToken) =>
            Answer(api.CancelAsync(id, reason: null, cancellationToken))).WithName("CancelOptimization");
        runs.MapGet("/{id}/report", (string id, OptimizationApi api, CancellationToken cancellationToken) =>
            Answer(api.ReportAsync(id, cancellationToken))).WithName("GetOptimizationReport");
        return runs;
    }

    private static async Task<IResult> StartAsync(HttpRequest request, OptimizationApi api, CancellationToken cancellationToken)
    {
        var (json, problem) = await SpecBodyReader.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        return new HttpApiResult(problem is not null ? ApiResult.FromProblem(problem) : await api.StartAsync(json, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IResult> Answer(Task<ApiResult> result) => new HttpApiResult(await result.ConfigureAwait(false));
}
