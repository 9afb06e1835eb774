using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// The Service Bus intake as a hosted service: a <see cref="ServiceBusProcessor"/> on the requests queue in peek-lock
/// mode without auto-complete, <see cref="ServiceBusOptions.MaxConcurrentCalls"/> messages at once, locks renewed up
/// to <see cref="ServiceBusOptions.MaxAutoLockRenewalDuration"/>, each message handed to
/// <see cref="OptimizationRequestHandler"/>, which settles it. Does nothing unless the transport is
/// <see cref="MessagingTransport.ServiceBus"/> and <see cref="ServiceBusOptions.IntakeEnabled"/>; the client and the
/// handler are resolved only then.
/// </summary>
public sealed partial class ServiceBusIntakeService : IHostedService, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly ServiceBusOptions _options;
    private readonly ILogger _logger;
    private ServiceBusProcessor? _processor;

    /// <summary>Creates the service; nothing is resolved or connected until <see cref="StartAsync"/>.</summary>
    public ServiceBusIntakeService(IServiceProvider services, IOptions<ServiceBusOptions> options, ILogger<ServiceBusIntakeService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        _services = services;
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Whether the processor is running.</summary>
    public bool IsProcessing => _processor?.IsProcessing == true;

    /// <summary>The processor settings derived from <paramref name="options"/>.</summary>
    public static ServiceBusProcessorOptions ProcessorOptions(ServiceBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ServiceBusProcessorOptions
        {
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
            AutoCompleteMessages = false,
            MaxConcurrentCalls = options.MaxConcurrentCalls,
            MaxAutoLockRenewalDuration = options.MaxAutoLockRenewalDuration,
            // A spec is small and each message starts a long run: no prefetch, so no locks expire while waiting.
            PrefetchCount = 0,
        };
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Transport != MessagingTransport.ServiceBus || !_options.IntakeEnabled)
        {
            LogOff(_logger, _options.Transport, _options.IntakeEnabled);
            return;
        }

        var client = _services.GetRequiredService<ServiceBusClient>();
        var handler = _services.GetRequiredService<OptimizationRequestHandler>();
        var processor = client.CreateProcessor(_options.RequestsQueueName, ProcessorOptions(_options));
        processor.ProcessMessageAsync += async args => await handler.HandleAsync(args).ConfigureAwait(false);
        processor.ProcessErrorAsync += args =>
        {
            LogError(_logger, args.Exception, args.ErrorSource, args.EntityPath);
            return Task.CompletedTask;
        };
        _processor = processor;
        await processor.StartProcessingAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(_logger, _options.RequestsQueueName, client.FullyQualifiedNamespace, _options.MaxConcurrentCalls);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processor is { } processor)
        {
            await processor.StopProcessingAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_processor is { } processor)
        {
            _processor = null;
            await processor.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 6021, Level = LogLevel.Information, Message = "Service Bus intake listening on {Queue} at {Namespace} ({MaxConcurrentCalls} at once)")]
    private static partial void LogStarted(ILogger logger, string queue, string @namespace, int maxConcurrentCalls);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Debug, Message = "Service Bus intake off (transport {Transport}, intake enabled {Enabled})")]
    private static partial void LogOff(ILogger logger, MessagingTransport transport, bool enabled);

    [LoggerMessage(EventId = 6023, Level = LogLevel.Error, Message = "Service Bus intake error from {Source} on {EntityPath}")]
    private static partial void LogError(ILogger logger, Exception exception, ServiceBusErrorSource source, string entityPath);
}
