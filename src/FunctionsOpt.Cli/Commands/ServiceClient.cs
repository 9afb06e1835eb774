using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Hosting.Http;
using FunctionsOpt.Orchestration.Api;

namespace FunctionsOpt.Cli.Commands;

/// <summary>
/// The FunctionsOpt HTTP API from the command line: each call returns the answer's body, or throws
/// <see cref="ServiceProblemException"/> with the service's problem details (or
/// <see cref="HttpRequestException"/> when the service cannot be reached).
/// </summary>
internal sealed class ServiceClient : IDisposable
{
    private readonly HttpClient _http;

    public ServiceClient(string baseUrl, string? apiKey)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliUsageException($"'{baseUrl}' is not a service address; use an absolute http(s) URL such as {ServiceSettings.DefaultUrl}.");
        }

        BaseAddress = new Uri(uri.GetLeftPart(UriPartial.Authority) + uri.AbsolutePath.TrimEnd('/') + "/");
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Add(ApiOptions.ApiKeyHeader, apiKey);
        }
    }

    public Uri BaseAddress { get; }

    /// <summary>A link the API handed out (relative to the host), made absolute.</summary>
    public Uri Absolute(string link) => new(BaseAddress, link.TrimStart('/'));

    /// <summary>Submits <paramref name="specJson"/>; the answer says whether this call started the run.</summary>
    public async Task<RunAccepted> StartAsync(string specJson, CancellationToken cancellationToken)
    {
        using var content = new StringContent(specJson, Encoding.UTF8, "application/json");
        return await SendAsync<RunAccepted>(HttpMethod.Post, ApiRoutes.Optimizations, content, cancellationToken).ConfigureAwait(false);
    }

    public Task<RunView> GetAsync(string runId, CancellationToken cancellationToken) =>
        SendAsync<RunView>(HttpMethod.Get, ApiRoutes.Run(runId), null, cancellationToken);

    public Task<RunListPage> ListAsync(string? status, string? continuationToken, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(status))
        {
            query.Add("status=" + Uri.EscapeDataString(status));
        }

        if (!string.IsNullOrEmpty(continuationToken))
        {
            query.Add("continuationToken=" + Uri.EscapeDataString(continuationToken));
        }

        var path = ApiRoutes.Optimizations + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query));
        return SendAsync<RunListPage>(HttpMethod.Get, path, null, cancellationToken);
    }

    /// <summary>The run's report.json, as the service serves it.</summary>
    public async Task<string> ReportJsonAsync(string runId, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpMethod.Get, ApiRoutes.Report(runId), null, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(text, JsonDefaults.Options)
                ?? throw new ServiceProblemException(Unexpected(response, "an empty body"));
        }
        catch (JsonException ex)
        {
            throw new ServiceProblemException(Unexpected(response, "a body that is not the API's JSON: " + ex.Message));
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
        var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            ApiProblem? problem = null;
            if (response.Content.Headers.ContentType?.MediaType == ApiResult.ProblemContentType)
            {
                try
                {
                    problem = JsonSerializer.Deserialize<ApiProblem>(text, JsonDefaults.Options);
                }
                catch (JsonException)
                {
                    // Not the API's problem format (a proxy's error page, say): described below from the status.
                }
            }

            throw new ServiceProblemException(problem ?? Unexpected(response, string.IsNullOrWhiteSpace(text) ? "no body" : $"\"{Truncate(text)}\""));
        }
    }

    private ApiProblem Unexpected(HttpResponseMessage response, string what) => ApiProblem.Create(
        (int)response.StatusCode, "unexpected-response", "Unexpected answer from the service",
        $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase} with {what}. Is {BaseAddress} a FunctionsOpt service?");

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

/// <summary>The service answered with an error; <see cref="Problem"/> is its problem details.</summary>
internal sealed class ServiceProblemException(ApiProblem problem) : Exception($"{problem.Title}: {problem.Detail}")
{
    public ApiProblem Problem { get; } = problem;
}
