using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>The one registration entry point of the orchestrations (tasks and the services their activities use).</summary>
public static class OrchestrationServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="OptimizationOptions"/> from <see cref="OptimizationOptions.SectionName"/> (validated at start)
    /// and registers what the activities need, with the log-only <see cref="IRunEventPublisher"/> unless one is registered
    /// (<see cref="ServiceBusServiceCollectionExtensions.AddFunctionsOptServiceBus"/> registers the Service Bus one). An <see cref="Artifacts.IArtifactStore"/> must be registered too
    /// (<see cref="Artifacts.ArtifactStoreServiceCollectionExtensions.AddFunctionsOptArtifactStore"/>).
    /// </summary>
    public static IServiceCollection AddFunctionsOptOrchestrations(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<OptimizationOptions>().BindConfiguration(OptimizationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new InferenceSessionFactory());
        services.TryAddSingleton<MeasurementGate>();
        services.TryAddSingleton(sp => new BaselineProfiler(sp.GetRequiredService<InferenceSessionFactory>(), sp.GetRequiredService<MeasurementGate>()));
        services.TryAddSingleton<RunWorkspace>();
        services.TryAddSingleton<IRunEventPublisher, LoggingRunEventPublisher>();
        services.TryAddSingleton(sp => new RunProgressThrottle(sp.GetRequiredService<IOptions<ServiceBusOptions>>()));
        services.TryAddSingleton(sp => new ThroughputCurveProfiler(sp.GetRequiredService<InferenceSessionFactory>(), sp.GetRequiredService<MeasurementGate>()));
        return services;
    }

    /// <summary>Registers the orchestrator and every activity under their type names.</summary>
    public static DurableTaskRegistry AddFunctionsOptTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .AddOrchestrator<OptimizationOrchestrator>()
            .AddActivity<ValidateRunActivity>()
            .AddActivity<UpdatePhaseActivity>()
            .AddActivity<ProfileBaselineActivity>()
            .AddActivity<SchedulerStepActivity>()
            .AddActivity<RunTrialActivity>()
            .AddActivity<JudgeFinalistsActivity>()
            .AddActivity<FinishRunActivity>()
            .AddActivity<PublishRunEventActivity>();
    }
}
