using System.ComponentModel;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary>Where the service runs and how to authenticate, shared by the commands that call it.</summary>
internal class ServiceSettings : CommandSettings
{
    /// <summary>The service address used when neither <c>--url</c> nor <see cref="UrlVariable"/> is given (<c>fopt serve</c>'s default).</summary>
    public const string DefaultUrl = "http://localhost:5000";

    /// <summary>Environment variable holding the service address.</summary>
    public const string UrlVariable = "FOPT_URL";

    /// <summary>Environment variable holding the API key.</summary>
    public const string ApiKeyVariable = "FOPT_API_KEY";

    [CommandOption("--url <URL>")]
    [Description("The service's base address. Default: $FOPT_URL, else " + DefaultUrl + ".")]
    public string? Url { get; init; }

    [CommandOption("--api-key <KEY>")]
    [Description("Sent as the x-api-key header when the service requires a key. Default: $FOPT_API_KEY.")]
    public string? ApiKey { get; init; }

    /// <summary>A client for the service these settings name.</summary>
    public ServiceClient CreateClient() => new(
        Url ?? Environment.GetEnvironmentVariable(UrlVariable) ?? DefaultUrl,
        ApiKey ?? Environment.GetEnvironmentVariable(ApiKeyVariable));
}
