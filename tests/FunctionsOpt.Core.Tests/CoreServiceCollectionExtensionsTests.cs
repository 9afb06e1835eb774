using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Core.Tests;

public sealed class CoreServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddFunctionsOptCore();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddFunctionsOptCore_ConfiguredSections_BindsEveryOptionsClass()
    {
        using var provider = Build(new()
        {
            [$"{OnnxModelOptions.SectionName}:MaxModelBytes"] = "1234",
            [$"{DataLimitsOptions.SectionName}:MaxEntryBytes"] = "99",
            [$"{SessionSettings.SectionName}:Provider"] = "Cuda",
            [$"{SessionSettings.SectionName}:AllowCpuFallback"] = "true",
            [$"{SessionSettings.SectionName}:IntraOpThreads"] = "3",
            [$"{ProfileOptions.SectionName}:TimedRuns"] = "7",
            [$"{ProfileOptions.SectionName}:BatchSizes:0"] = "2",
            [$"{ProfileOptions.SectionName}:BatchSizes:1"] = "16",
        });

        Assert.Equal(1234, provider.GetRequiredService<IOptions<OnnxModelOptions>>().Value.MaxModelBytes);
        Assert.Equal(99, provider.GetRequiredService<IOptions<DataLimitsOptions>>().Value.MaxEntryBytes);
        var session = provider.GetRequiredService<IOptions<SessionSettings>>().Value;
        Assert.Equal(ExecutionProvider.Cuda, session.Provider);
        Assert.True(session.AllowCpuFallback);
        Assert.Equal(3, session.IntraOpThreads);
        var profile = provider.GetRequiredService<IOptions<ProfileOptions>>().Value;
        Assert.Equal(7, profile.TimedRuns);
        Assert.Equal([2, 16], profile.BatchSizes);
        Assert.NotNull(provider.GetRequiredService<ProfileService>());
    }

    [Fact]
    public void AddFunctionsOptCore_ModelSizeLimitFromConfiguration_ReachesInspector()
    {
        using var provider = Build(new() { [$"{OnnxModelOptions.SectionName}:MaxModelBytes"] = "1000" });

        var inspector = provider.GetRequiredService<OnnxModelInspector>();

        var error = Assert.Throws<Errors.InvalidModelException>(() => inspector.Inspect(TestKit.TestPaths.PenguinsModel));
        Assert.Equal(Errors.InvalidModelReason.TooLarge, error.Reason);
    }

    [Fact]
    public void AddFunctionsOptCore_NegativeThreads_FailsValidationNamingTheField()
    {
        using var provider = Build(new() { [$"{SessionSettings.SectionName}:IntraOpThreads"] = "-1" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SessionSettings>>().Value);

        Assert.Contains("IntraOpThreads", error.Message, StringComparison.Ordinal);
    }
}
