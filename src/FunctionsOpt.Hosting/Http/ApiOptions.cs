using System.ComponentModel.DataAnnotations;

namespace FunctionsOpt.Hosting.Http;

/// <summary>Settings of the portable host's HTTP API, bound from <see cref="SectionName"/> and validated at start.</summary>
public sealed class ApiOptions
{
    /// <summary>Configuration section these options bind to.</summary>
    public const string SectionName = "FunctionsOpt:Api";

    /// <summary>The request header that carries the key.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>Shortest key accepted, so a configured key is not trivially guessed.</summary>
    public const int MinApiKeyLength = 16;

    /// <summary>
    /// When set, every <c>/api/...</c> request must carry this value in <see cref="ApiKeyHeader"/> or is refused with
    /// 401 problem details; <c>/healthz</c> stays open for probes. Unset or empty (the default): the API is open,
    /// which suits a loopback-only local service. At least <see cref="MinApiKeyLength"/> visible ASCII characters.
    /// </summary>
    [RegularExpression(@"^$|^[\x21-\x7E]{16,}$", ErrorMessage = "FunctionsOpt:Api:ApiKey must be empty (no key) or at least 16 visible ASCII characters without spaces.")]
    public string? ApiKey { get; set; }

    /// <summary>Whether <see cref="ApiKey"/> guards the API.</summary>
    public bool RequiresApiKey => !string.IsNullOrEmpty(ApiKey);
}
