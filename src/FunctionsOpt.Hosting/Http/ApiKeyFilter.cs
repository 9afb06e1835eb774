using System.Security.Cryptography;
using System.Text;
using FunctionsOpt.Orchestration.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Http;

/// <summary>
/// Refuses API requests whose <see cref="ApiOptions.ApiKeyHeader"/> does not match <see cref="ApiOptions.ApiKey"/>
/// with 401 problem details; lets every request through when no key is configured.
/// </summary>
internal sealed class ApiKeyFilter : IEndpointFilter
{
    private readonly byte[]? _expectedHash;
    private readonly ILogger<ApiKeyFilter> _logger;

    public ApiKeyFilter(IOptions<ApiOptions> options, ILogger<ApiKeyFilter> logger)
    {
        _expectedHash = options.Value.RequiresApiKey ? Hash(options.Value.ApiKey!) : null;
        _logger = logger;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expectedHash is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var http = context.HttpContext;
        var presented = http.Request.Headers[ApiOptions.ApiKeyHeader];
        if (presented.Count == 1 && Matches(presented[0], _expectedHash))
        {
            return await next(context).ConfigureAwait(false);
        }

        var missing = presented.Count == 0;
        HttpApiLog.ApiKeyRefused(_logger, http.Request.Method, http.Request.Path.Value ?? "/", http.Connection.RemoteIpAddress?.ToString() ?? "unknown", missing ? "no key" : "wrong key");
        return new HttpApiResult(ApiResult.FromProblem(ApiProblem.Create(
            StatusCodes.Status401Unauthorized,
            "unauthorized",
            "The API key is missing or wrong",
            missing
                ? $"This service requires an API key: send it in the '{ApiOptions.ApiKeyHeader}' header (fopt: --api-key or FOPT_API_KEY)."
                : $"The '{ApiOptions.ApiKeyHeader}' header does not hold this service's API key.",
            http.Request.Path.Value)));
    }

    /// <summary>
    /// Whether <paramref name="presented"/> is the key whose SHA-256 is <paramref name="expectedHash"/>. Both sides are
    /// hashed to the same length and compared in constant time, so neither the key's content nor its length leaks
    /// through response timing.
    /// </summary>
    internal static bool Matches(string? presented, byte[] expectedHash) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), expectedHash);

    internal static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
