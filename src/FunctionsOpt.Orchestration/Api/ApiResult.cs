using System.Text.Json;
using FunctionsOpt.Core.Serialization;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>
/// A host-neutral HTTP answer: status code, content type, extra headers and a body that serializes with
/// <see cref="JsonDefaults.Options"/> (camelCase, enums as strings, nulls omitted). Each host maps it onto its own
/// response type; the body of an error is always an <see cref="ApiProblem"/> served as
/// <see cref="ProblemContentType"/>. Immutable.
/// </summary>
public sealed class ApiResult
{
    /// <summary>Content type of successful JSON bodies.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>Content type of RFC 7807 problem details.</summary>
    public const string ProblemContentType = "application/problem+json";

    private ApiResult(int statusCode, object body, string contentType, IReadOnlyDictionary<string, string> headers)
    {
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
        Headers = headers;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The body object (a DTO, a <see cref="JsonElement"/> or an <see cref="ApiProblem"/>).</summary>
    public object Body { get; }

    /// <summary><see cref="JsonContentType"/> or <see cref="ProblemContentType"/>.</summary>
    public string ContentType { get; }

    /// <summary>Extra response headers (<c>Location</c>, <c>Retry-After</c>), by name.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>True for 2xx answers.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>The body as a problem, when this is an error answer.</summary>
    public ApiProblem? Problem => Body as ApiProblem;

    /// <summary>A JSON answer.</summary>
    public static ApiResult Json(int statusCode, object body, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new ApiResult(statusCode, body, JsonContentType, headers ?? new Dictionary<string, string>());
    }

    /// <summary>An error answer with the problem's own status code.</summary>
    public static ApiResult FromProblem(ApiProblem problem, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new ApiResult(problem.Status, problem, ProblemContentType, headers ?? new Dictionary<string, string>());
    }

    /// <summary>The body as UTF-8 JSON bytes.</summary>
    public byte[] SerializeBody() => JsonSerializer.SerializeToUtf8Bytes(Body, Body.GetType(), JsonDefaults.Options);
}
