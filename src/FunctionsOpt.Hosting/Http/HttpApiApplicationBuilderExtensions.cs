using System.Diagnostics;
using FunctionsOpt.Orchestration.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Hosting.Http;

/// <summary>Problem details for every error the host answers itself, not only those the API returns.</summary>
public static class HttpApiApplicationBuilderExtensions
{
    /// <summary>
    /// Answers unknown routes (404), wrong methods (405) and any other empty 4xx/5xx with the API's problem details,
    /// and unhandled exceptions with a 500 problem naming the trace id (the exception itself goes to the log only, so
    /// no internals leak). Add it before the endpoints.
    /// </summary>
    public static IApplicationBuilder UseFunctionsOptProblemDetails(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteExceptionAsync });
        app.UseStatusCodePages(context => HttpApiResult.WriteAsync(context.HttpContext, ProblemFor(context.HttpContext)));
        return app;
    }

    private static ApiProblem ProblemFor(HttpContext http)
    {
        var status = http.Response.StatusCode;
        var method = http.Request.Method;
        var path = http.Request.Path.Value ?? "/";
        return status switch
        {
            StatusCodes.Status404NotFound => ApiProblem.Create(status, "not-found", "No such endpoint",
                $"Nothing is served at {method} {path}. The API is {ApiRoutes.Optimizations} (POST to start, GET to list), {ApiRoutes.Optimizations}/{{id}}, .../{{id}}/cancel (POST) and .../{{id}}/report.", path),
            StatusCodes.Status405MethodNotAllowed => ApiProblem.Create(status, "method-not-allowed", "Method not allowed",
                $"{path} does not take {method}" + (http.Response.Headers.Allow.Count > 0 ? $"; it takes {http.Response.Headers.Allow}." : "."), path),
            _ => ApiProblem.Create(status, "http-" + status, ReasonPhrases.GetReasonPhrase(status), $"{method} {path} was answered {status}.", path),
        };
    }

    private static async Task WriteExceptionAsync(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var path = http.Request.Path.Value ?? "/";
        if (error is BadHttpRequestException bad)
        {
            // The server refused the request itself (a malformed or oversized request): a client error, not a fault.
            http.Response.StatusCode = bad.StatusCode;
            await HttpApiResult.WriteAsync(http, ApiProblem.Create(bad.StatusCode, "bad-request", ReasonPhrases.GetReasonPhrase(bad.StatusCode), bad.Message, path)).ConfigureAwait(false);
            return;
        }

        var traceId = Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpApiApplicationBuilderExtensions).FullName!);
        HttpApiLog.RequestFailed(logger, http.Request.Method, path, traceId, error ?? new InvalidOperationException("unknown failure"));
        await HttpApiResult.WriteAsync(http, ApiProblem.Create(StatusCodes.Status500InternalServerError, "internal-error", "The service failed",
            $"The request failed inside the service; nothing about it was changed by the failure report. Retry later, and quote trace id {traceId} when reporting it.", path)).ConfigureAwait(false);
    }
}
