using FunctionsOpt.Orchestration.Api;
using Microsoft.AspNetCore.Http;

namespace FunctionsOpt.Hosting.Http;

/// <summary>Writes an <see cref="ApiResult"/> as it is: status code, headers, content type and JSON body.</summary>
internal sealed class HttpApiResult(ApiResult result) : IResult
{
    public ApiResult Result => result;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = result.StatusCode;
        foreach (var (name, value) in result.Headers)
        {
            response.Headers[name] = value;
        }

        var body = result.SerializeBody();
        response.ContentType = result.ContentType + "; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="problem"/> as the response (for middleware, outside any endpoint).</summary>
    public static Task WriteAsync(HttpContext httpContext, ApiProblem problem) =>
        new HttpApiResult(ApiResult.FromProblem(problem)).ExecuteAsync(httpContext);
}
