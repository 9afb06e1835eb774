using System.Text;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Functions.Http;

/// <summary>
/// The HTTP API (<see cref="ApiRoutes"/>), each function a thin adapter over <see cref="OptimizationApi"/>: read the
/// request, call the API with the durable client of this invocation, write its answer (errors as
/// <c>application/problem+json</c>). Function-level keys guard every endpoint in Azure.
/// </summary>
public sealed class OptimizationHttpFunctions(IArtifactStore store, TimeProvider clock, ILogger<OptimizationApi> logger)
{
    private const string Collection = "optimizations";
    private const string Item = "optimizations/{id}";

    /// <summary><c>POST /api/optimizations</c> with the spec as the JSON body: 202 and the run's links, or 400 with every problem.</summary>
    [Function("StartOptimization")]
    public async Task<IActionResult> StartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Collection)] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await ReadBodyAsync(request);
        return new ApiActionResult(await Api(client).StartAsync(body, request.HttpContext.RequestAborted));
    }

    /// <summary><c>GET /api/optimizations/{id}</c>: the run's status, or 404.</summary>
    [Function("GetOptimization")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Item)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ApiActionResult(await Api(client).GetAsync(id, request.HttpContext.RequestAborted));
    }

    /// <summary><c>GET /api/optimizations?status=&amp;continuationToken=&amp;pageSize=</c>: one page of runs.</summary>
    [Function("ListOptimizations")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Collection)] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        return new ApiActionResult(await Api(client).ListAsync(query["status"], query["continuationToken"], query["pageSize"], request.HttpContext.RequestAborted));
    }

    /// <summary><c>POST /api/optimizations/{id}/cancel</c>: 202, 409 when the run has ended, or 404.</summary>
    [Function("CancelOptimization")]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Item + "/cancel")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ApiActionResult(await Api(client).CancelAsync(id, reason: null, request.HttpContext.RequestAborted));
    }

    /// <summary><c>GET /api/optimizations/{id}/report</c>: report.json, 409 while the run is going, or 404.</summary>
    [Function("GetOptimizationReport")]
    public async Task<IActionResult> ReportAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Item + "/report")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ApiActionResult(await Api(client).ReportAsync(id, request.HttpContext.RequestAborted));
    }

    private OptimizationApi Api(DurableTaskClient client) => new(new OptimizationRunClient(client, store, clock), store, clock, logger);

    /// <summary>The body as text, read up to one character past the spec limit so an oversized body is reported, not buffered.</summary>
    private static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[SpecIntake.MaxSpecLength + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await reader.ReadAsync(buffer.AsMemory(read), request.HttpContext.RequestAborted)) > 0)
        {
            read += n;
        }

        return new string(buffer, 0, read);
    }
}
