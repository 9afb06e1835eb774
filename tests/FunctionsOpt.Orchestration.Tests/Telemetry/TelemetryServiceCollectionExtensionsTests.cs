using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Identity;
using FunctionsOpt.Orchestration.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FunctionsOpt.Orchestration.Tests.Telemetry;

public sealed class TelemetryServiceCollectionExtensionsTests
{
    private static IConfiguration Settings(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void ExporterFor_ConnectionStringSet_IsAzureMonitorElseConsole()
    {
        Assert.Equal(TelemetryExporter.Console, TelemetryServiceCollectionExtensions.ExporterFor(Settings([])));
        Assert.Equal(TelemetryExporter.Console, TelemetryServiceCollectionExtensions.ExporterFor(Settings(new() { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = " " })));
        Assert.Equal(
            TelemetryExporter.AzureMonitor,
            TelemetryServiceCollectionExtensions.ExporterFor(Settings(new() { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000" })));
    }

    [Theory]
    [InlineData("Authorization=AAD;ClientId=00000000-0000-0000-0000-0000000000c1", true)]
    [InlineData("Authorization=AAD", true)]
    [InlineData("authorization = aad ; clientid = x", true)]
    [InlineData("Authorization=Key", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void CredentialFor_AuthenticationString_IsAManagedIdentityOnlyForEntraId(string? text, bool managedIdentity)
    {
        var credential = TelemetryServiceCollectionExtensions.CredentialFor(text);

        Assert.Equal(managedIdentity, credential is ManagedIdentityCredential);
        Assert.Equal(managedIdentity, credential is not null);
    }

    [Fact]
    public async Task AddFunctionsOptTelemetry_Console_TracesTheFunctionsOptSource()
    {
        var services = new ServiceCollection();
        services.AddFunctionsOptTelemetry(Settings([]));
        await using var provider = services.BuildServiceProvider();
        var tracer = provider.GetRequiredService<TracerProvider>();
        var seen = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == FunctionsOptTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => seen.Enqueue(a.OperationName),
        };
        ActivitySource.AddActivityListener(listener);
        var start = new DateTimeOffset(2026, 11, 5, 12, 0, 0, TimeSpan.Zero);

        FunctionsOptTelemetry.RecordSpan("rung", "run-telemetry-test", start, start.AddSeconds(3), (FunctionsOptTelemetry.RungTag, 2));

        Assert.NotNull(tracer);
        Assert.True(FunctionsOptTelemetry.Source.HasListeners());
        Assert.Contains("rung", seen);
    }

    [Fact]
    public void RecordSpan_KnownTimes_WritesThemAndTheTags()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == FunctionsOptTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var start = new DateTimeOffset(2026, 11, 5, 12, 0, 0, TimeSpan.FromHours(1));

        FunctionsOptTelemetry.RecordSpan("run", "run-span-times", start, start.AddMinutes(2), (FunctionsOptTelemetry.StatusTag, "Completed"));

        var span = Assert.Single(stopped, a => (string?)a.GetTagItem(FunctionsOptTelemetry.RunIdTag) == "run-span-times");
        Assert.Equal("run", span.OperationName);
        Assert.Equal(new DateTime(2026, 11, 5, 11, 0, 0, DateTimeKind.Utc), span.StartTimeUtc);
        Assert.Equal(TimeSpan.FromMinutes(2), span.Duration);
        Assert.Equal("Completed", span.GetTagItem(FunctionsOptTelemetry.StatusTag));
    }
}
