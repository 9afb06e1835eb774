using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Core;

/// <summary>The one DI entry point for the evaluation engine, shared by every host.</summary>
public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine's services and binds its options from configuration sections
    /// (<see cref="OnnxModelOptions.SectionName"/>, <see cref="DataLimitsOptions.SectionName"/>,
    /// <see cref="SessionSettings.SectionName"/>, <see cref="ProfileOptions.SectionName"/>), validated at start.
    /// Register an <see cref="IPeakMemoryProbe"/> before or after to get memory readings in profiles.
    /// </summary>
    public static IServiceCollection AddFunctionsOptCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<OnnxModelOptions>().BindConfiguration(OnnxModelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DataLimitsOptions>().BindConfiguration(DataLimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SessionSettings>().BindConfiguration(SessionSettings.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProfileOptions>().BindConfiguration(ProfileOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(sp => new OnnxModelInspector(sp.GetRequiredService<IOptions<OnnxModelOptions>>().Value));
        services.TryAddSingleton(sp => new InferenceSessionFactory(sp.GetService<ILogger<InferenceSessionFactory>>()));
        services.TryAddSingleton<OnnxModelValidator>();
        services.TryAddSingleton(sp => new PerformanceProfiler(
            sp.GetRequiredService<InferenceSessionFactory>(),
            sp.GetService<IPeakMemoryProbe>(),
            sp.GetService<ILogger<PerformanceProfiler>>()));
        services.TryAddSingleton<ProfileService>();
        return services;
    }
}
