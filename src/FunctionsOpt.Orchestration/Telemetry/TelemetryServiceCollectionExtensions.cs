using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FunctionsOpt.Orchestration.Telemetry;

/// <summary>Where traces and metrics go.</summary>
public enum TelemetryExporter
{
    /// <summary>Standard output (local runs).</summary>
    Console,

    /// <summary>Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING is set).</summary>
    AzureMonitor,
}

/// <summary>The one DI entry point of FunctionsOpt's OpenTelemetry traces and metrics.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Setting that selects Application Insights.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Setting that asks for Entra ID ingestion (<c>Authorization=AAD;ClientId=...</c>, as infra writes it).</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// Registers OpenTelemetry tracing of the <see cref="FunctionsOptTelemetry.SourceName"/> source and metrics of its
    /// meter, exported to Application Insights when <see cref="ConnectionStringSetting"/> is set (with a managed
    /// identity when <see cref="AuthenticationStringSetting"/> asks for Entra ID), to the console otherwise.
    /// </summary>
    public static IServiceCollection AddFunctionsOptTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var exporter = ExporterFor(configuration);
        var connectionString = configuration[ConnectionStringSetting];
        var credential = CredentialFor(configuration[AuthenticationStringSetting]);
        void Configure(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = connectionString;
            o.Credential = credential;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(FunctionsOptTelemetry.SourceName))
            .WithTracing(t =>
            {
                t.AddSource(FunctionsOptTelemetry.SourceName);
                _ = exporter == TelemetryExporter.AzureMonitor ? t.AddAzureMonitorTraceExporter(Configure) : t.AddConsoleExporter();
            })
            .WithMetrics(m =>
            {
                m.AddMeter(FunctionsOptTelemetry.SourceName);
                _ = exporter == TelemetryExporter.AzureMonitor ? m.AddAzureMonitorMetricExporter(Configure) : m.AddConsoleExporter();
            });
        return services;
    }

    /// <summary>Application Insights when its connection string is set, the console otherwise.</summary>
    public static TelemetryExporter ExporterFor(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting]) ? TelemetryExporter.Console : TelemetryExporter.AzureMonitor;
    }

    /// <summary>A managed-identity credential when <paramref name="authenticationString"/> is <c>Authorization=AAD[;ClientId=id]</c>, else null (key-based ingestion).</summary>
    public static TokenCredential? CredentialFor(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !string.Equals(kind, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new ManagedIdentityCredential(parts.TryGetValue("ClientId", out var clientId) && !string.IsNullOrWhiteSpace(clientId)
            ? ManagedIdentityId.FromUserAssignedClientId(clientId)
            : ManagedIdentityId.SystemAssigned);
    }
}
