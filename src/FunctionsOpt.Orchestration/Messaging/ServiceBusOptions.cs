using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>Which transport carries optimization requests and run events.</summary>
public enum MessagingTransport
{
    /// <summary>Storage queues (Azurite locally); run events are only logged. The default.</summary>
    StorageQueue,

    /// <summary>Azure Service Bus: requests from the intake queue, events to the events topic.</summary>
    ServiceBus,
}

/// <summary>
/// Service Bus intake and event settings, bound from <see cref="SectionName"/> and validated at start. The connection
/// is either <see cref="ConnectionString"/> (local emulator or a key, never in Azure) or
/// <see cref="FullyQualifiedNamespace"/> with an Entra ID credential (managed identity in Azure). When neither is set
/// here, both are read from the identity-based connection section named <see cref="ConnectionName"/> (the Functions
/// convention: <c>ServiceBusConnection__fullyQualifiedNamespace</c>, <c>__clientId</c>, <c>__credential</c>, or
/// <c>ServiceBusConnection</c> itself holding a connection string).
/// </summary>
public sealed class ServiceBusOptions
{
    /// <summary>Configuration section these options bind to.</summary>
    public const string SectionName = "FunctionsOpt:ServiceBus";

    /// <summary>Which transport is active. Default <see cref="MessagingTransport.StorageQueue"/>.</summary>
    public MessagingTransport Transport { get; set; } = MessagingTransport.StorageQueue;

    /// <summary>The root configuration section of the identity-based connection. Default <c>ServiceBusConnection</c>.</summary>
    public string ConnectionName { get; set; } = "ServiceBusConnection";

    /// <summary>A Service Bus connection string. Exclusive with <see cref="FullyQualifiedNamespace"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The namespace host (<c>sb-xyz.servicebus.windows.net</c>), authenticated with Entra ID. Exclusive with <see cref="ConnectionString"/>.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>Client id of a user-assigned managed identity; null uses the default credential chain as is.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// <c>managedidentity</c> to authenticate only as the managed identity (<see cref="ClientId"/> or the system
    /// identity); null or anything else uses <c>DefaultAzureCredential</c> (the developer's login locally).
    /// </summary>
    public string? Credential { get; set; }

    /// <summary>The intake queue. Default <c>optimization-requests</c>.</summary>
    public string RequestsQueueName { get; set; } = "optimization-requests";

    /// <summary>The topic run events are published to. Default <c>optimization-events</c>.</summary>
    public string EventsTopicName { get; set; } = "optimization-events";

    /// <summary>Whether this process runs the intake processor (a publisher-only app turns it off). Default true.</summary>
    public bool IntakeEnabled { get; set; } = true;

    /// <summary>Messages the intake handles at once. Default 4 (1-256).</summary>
    public int MaxConcurrentCalls { get; set; } = 4;

    /// <summary>
    /// The queue's MaxDeliveryCount as provisioned (infra/app/servicebus.bicep, default 5, 1-100). On that delivery
    /// a transient failure dead-letters the message itself with reason <c>DeliveryAttemptsExceeded</c> and the error,
    /// instead of abandoning it for the broker to dead-letter without one.
    /// </summary>
    public int MaxDeliveryCount { get; set; } = 5;

    /// <summary>
    /// Most messages one timer tick of the Functions app's intake drain handles (<see cref="ServiceBusIntakeDrain"/>);
    /// the rest wait for the next tick. Default 64 (1-1000).
    /// </summary>
    public int DrainMaxMessages { get; set; } = 64;

    /// <summary>How long the drain's receive call waits for a first message. Default 2 seconds (up to 1 minute).</summary>
    public TimeSpan DrainMaxWaitTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest time the processor keeps renewing a message's lock. Default 5 minutes.</summary>
    public TimeSpan MaxAutoLockRenewalDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Least time between two RunProgress events of one run (measured on the events' own times); at most one per rung
    /// in any case. Zero publishes every rung. Default 10 seconds.
    /// </summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The CloudEvents <c>source</c> of run events (a URI reference). Default <c>/functionsopt</c>.</summary>
    public string EventSource { get; set; } = "/functionsopt";

    /// <summary>The status link in each event; <c>{runId}</c> is replaced. Default <c>/api/optimizations/{runId}</c>.</summary>
    public string StatusUrlTemplate { get; set; } = "/api/optimizations/{runId}";

    /// <summary>The status link of <paramref name="runId"/>.</summary>
    public string StatusUrlOf(string runId) => StatusUrlTemplate.Replace("{runId}", Uri.EscapeDataString(runId), StringComparison.Ordinal);
}

/// <summary>Checks that the Service Bus settings are present and consistent when that transport is active.</summary>
internal sealed class ServiceBusOptionsValidator : IValidateOptions<ServiceBusOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = ServiceBusOptions.SectionName;
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Transport))
        {
            failures.Add($"{s}:Transport '{options.Transport}' is unknown; use StorageQueue or ServiceBus.");
        }

        if (options.Transport == MessagingTransport.ServiceBus)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString) == string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace))
            {
                failures.Add($"{s}: the ServiceBus transport needs exactly one of ConnectionString or FullyQualifiedNamespace (or {options.ConnectionName}__fullyQualifiedNamespace).");
            }

            if (options.FullyQualifiedNamespace is { } ns && (ns.Contains("://", StringComparison.Ordinal) || ns.Contains('/', StringComparison.Ordinal)))
            {
                failures.Add($"{s}:FullyQualifiedNamespace '{ns}' must be a host name such as sb-xyz.servicebus.windows.net, without scheme or path.");
            }

            if (string.IsNullOrWhiteSpace(options.RequestsQueueName))
            {
                failures.Add($"{s}:RequestsQueueName is required.");
            }

            if (string.IsNullOrWhiteSpace(options.EventsTopicName))
            {
                failures.Add($"{s}:EventsTopicName is required.");
            }
        }

        if (options.MaxConcurrentCalls is < 1 or > 256)
        {
            failures.Add($"{s}:MaxConcurrentCalls must be between 1 and 256.");
        }

        if (options.DrainMaxMessages is < 1 or > 1000)
        {
            failures.Add($"{s}:DrainMaxMessages must be between 1 and 1000.");
        }

        if (options.DrainMaxWaitTime <= TimeSpan.Zero || options.DrainMaxWaitTime > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{s}:DrainMaxWaitTime must be positive and at most 00:01:00.");
        }

        if (options.MaxDeliveryCount is < 1 or > 100)
        {
            failures.Add($"{s}:MaxDeliveryCount must be between 1 and 100 (the queue's own limit).");
        }

        if (options.ProgressInterval < TimeSpan.Zero)
        {
            failures.Add($"{s}:ProgressInterval must not be negative.");
        }

        if (options.MaxAutoLockRenewalDuration < TimeSpan.Zero)
        {
            failures.Add($"{s}:MaxAutoLockRenewalDuration must not be negative.");
        }

        if (string.IsNullOrWhiteSpace(options.EventSource))
        {
            failures.Add($"{s}:EventSource is required (a URI reference such as /functionsopt).");
        }

        if (!options.StatusUrlTemplate.Contains("{runId}", StringComparison.Ordinal))
        {
            failures.Add($"{s}:StatusUrlTemplate must contain {{runId}}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
