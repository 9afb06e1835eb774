using System.ComponentModel;
using FunctionsOpt.Hosting;
using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Hosting.Http;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FunctionsOpt.Cli.Commands;

/// <summary>
/// <c>fopt serve</c>: the portable host (HTTP API, durable engine on Azure Storage, blob watcher, queue listener) in
/// this process, composed exactly as the Host exe composes it, until Ctrl+C or SIGTERM.
/// </summary>
internal sealed class ServeCommand : AsyncCommand<ServeCommand.Settings>
{
    /// <summary>Starts the line naming each address the API listens on.</summary>
    public const string ListeningPrefix = "FunctionsOpt listening on ";

    /// <summary>Starts the line holding the private Azurite's connection string.</summary>
    public const string AzuritePrefix = "Azurite connection string: ";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--azurite")]
        [Description("Start a private Azurite (from node_modules/.bin) on free ports in a temporary folder and use it for everything; it is stopped, and its data removed, on exit.")]
        public bool Azurite { get; init; }

        [CommandOption("--urls <URLS>")]
        [Description("Where the API listens (semicolon-separated; port 0 picks a free one).")]
        [DefaultValue(ServiceSettings.DefaultUrl)]
        public string Urls { get; init; } = ServiceSettings.DefaultUrl;

        [CommandOption("--api-key <KEY>")]
        [Description("Require this key (16+ characters) in the x-api-key header of every /api request. Default: FunctionsOpt__Api__ApiKey, else none.")]
        public string? ApiKey { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var azurite = settings.Azurite ? AzuriteProcess.Start() : null;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // fopt's own arguments are not configuration; the Host's appsettings files ship next to fopt.dll.
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            // Development unless the environment says otherwise: its settings point at Azurite's default ports.
            EnvironmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
                ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
                ?? Environments.Development,
        });
        builder.Configuration.AddInMemoryCollection(Overrides(settings, azurite));
        builder.WebHost.UseUrls(settings.Urls);
        builder.AddFunctionsOptPortableHost();
        await using var app = builder.Build();
        app.UseFunctionsOptPortableHost();
        await app.StartAsync(cancellationToken);

        // Plain lines, never wrapped at the console width, so the address and connection string can be copied (and parsed).
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Console.WriteLine($"{ListeningPrefix}{address} (API {ApiRoutes.Optimizations}, health {HttpApiEndpointRouteBuilderExtensions.HealthRoute})");
        }

        AnsiConsole.MarkupLine(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOptions>>().Value.RequiresApiKey
            ? "API key required in the x-api-key header."
            : "[yellow]No API key: anyone who can reach these addresses can use the API.[/]");
        if (azurite is not null)
        {
            Console.WriteLine(AzuritePrefix + azurite.ConnectionString);
            AnsiConsole.MarkupLineInterpolated($"Upload models and data to the '{ArtifactLayout.ModelsContainer}' container there; everything is deleted when fopt serve stops.");
        }

        AnsiConsole.MarkupLine("Press Ctrl+C to stop.");
        await app.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }

    private static Dictionary<string, string?> Overrides(Settings settings, AzuriteProcess? azurite)
    {
        var overrides = new Dictionary<string, string?>();
        if (settings.ApiKey is { } key)
        {
            overrides[ApiOptions.SectionName + ":" + nameof(ApiOptions.ApiKey)] = key;
        }

        if (azurite is not null)
        {
            overrides[ArtifactStoreOptions.SectionName + ":" + nameof(ArtifactStoreOptions.Kind)] = nameof(ArtifactStoreKind.Blob);
            overrides[ArtifactStoreOptions.SectionName + ":" + nameof(ArtifactStoreOptions.ConnectionString)] = azurite.ConnectionString;
            overrides[DurableEngineOptions.SectionName + ":" + nameof(DurableEngineOptions.Backend)] = nameof(DurableBackendKind.AzureStorage);
            overrides[DurableEngineOptions.SectionName + ":" + nameof(DurableEngineOptions.ConnectionString)] = azurite.ConnectionString;
            overrides[IngestionOptions.SectionName + ":" + nameof(IngestionOptions.ConnectionString)] = azurite.ConnectionString;
        }

        return overrides;
    }
}
