using FunctionsOpt.Orchestration.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FunctionsOpt.Functions.Http;

/// <summary>Writes an <see cref="ApiResult"/> as it is: status code, headers, content type and JSON body.</summary>
internal sealed class ApiActionResult(ApiResult result) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.StatusCode = result.StatusCode;
        foreach (var (name, value) in result.Headers)
        {
            response.Headers[name] = value;
        }

        var body = result.SerializeBody();
        response.ContentType = result.ContentType + "; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.HttpContext.RequestAborted);
    }
}
