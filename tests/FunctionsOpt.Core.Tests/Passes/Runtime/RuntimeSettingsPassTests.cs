using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Runtime;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;

namespace FunctionsOpt.Core.Tests.Passes.Runtime;

public sealed class RuntimeSettingsPassTests
{
    [Fact]
    public void ToSettings_Values_MapOntoSessionSettingsAndBatch()
    {
        var pass = new RuntimeSettingsPass([ExecutionProvider.Cpu, ExecutionProvider.Cuda], maxThreads: 4, maxBatchSize: 64);
        var parameters = new PassParameters(new Dictionary<string, ParameterValue>
        {
            [RuntimeSettingsPass.ProviderParameter] = ParameterValue.Of("cuda"),
            [RuntimeSettingsPass.OptimizationLevelParameter] = ParameterValue.Of("extended"),
            [RuntimeSettingsPass.IntraOpThreadsParameter] = ParameterValue.Of(2L),
            [RuntimeSettingsPass.BatchSizeParameter] = ParameterValue.Of(32L),
        });

        var settings = pass.ToSettings(parameters);

        Assert.Equal(new SessionSettings { Provider = ExecutionProvider.Cuda, OptimizationLevel = GraphOptimization.Extended, IntraOpThreads = 2 }, settings.Session);
        Assert.Equal(32, settings.BatchSize);
        Assert.Equal(["cpu", "cuda"], ((CategoricalParameter)pass.Parameters[0]).Choices);
    }

    [Fact]
    public void Parameters_CpuOnly_HaveNoCudaOptions()
    {
        var names = new RuntimeSettingsPass([ExecutionProvider.Cpu]).Parameters.Select(p => p.Name);

        Assert.Equal(["provider", "optimization-level", "intra-op-threads", "batch-size"], names);
    }

    [Fact]
    public void Parameters_WithCuda_CudaOptionsExistOnlyWhenProviderIsCuda()
    {
        var pass = new RuntimeSettingsPass([ExecutionProvider.Cpu, ExecutionProvider.Cuda]);

        var cudaOnly = pass.Parameters.Where(p => p.Condition is not null).ToList();

        Assert.Equal(["cudnn-conv-algo-search", "cuda-graph", "prefer-nhwc"], cudaOnly.Select(p => p.Name));
        Assert.All(cudaOnly, p =>
        {
            Assert.Equal("provider", p.Condition!.Parent);
            Assert.Equal([ParameterValue.Of("cuda")], p.Condition.Values);
        });
        Assert.Equal(["exhaustive", "heuristic", "default"], ((CategoricalParameter)cudaOnly[0]).Choices);
    }

    [Fact]
    public void ToSettings_CudaOptions_MapOntoSessionSettings()
    {
        var pass = new RuntimeSettingsPass([ExecutionProvider.Cuda]);
        var parameters = new PassParameters(new Dictionary<string, ParameterValue>
        {
            [RuntimeSettingsPass.ProviderParameter] = ParameterValue.Of("cuda"),
            [RuntimeSettingsPass.CudnnConvAlgoSearchParameter] = ParameterValue.Of("heuristic"),
            [RuntimeSettingsPass.CudaGraphParameter] = ParameterValue.Of(true),
            [RuntimeSettingsPass.PreferNhwcParameter] = ParameterValue.Of(true),
        });

        var settings = pass.ToSettings(parameters);

        Assert.Equal(
            new SessionSettings { Provider = ExecutionProvider.Cuda, CudnnConvAlgoSearch = CudnnConvAlgoSearch.Heuristic, EnableCudaGraph = true, PreferNhwc = true },
            settings.Session);
    }

    [Fact]
    public void ToSettings_CpuTrialWithCudaValues_KeepsDefaultCudaSettings()
    {
        var pass = new RuntimeSettingsPass([ExecutionProvider.Cpu, ExecutionProvider.Cuda]);
        var parameters = new PassParameters(new Dictionary<string, ParameterValue>
        {
            [RuntimeSettingsPass.ProviderParameter] = ParameterValue.Of("cpu"),
            [RuntimeSettingsPass.CudaGraphParameter] = ParameterValue.Of(true),
        });

        var settings = pass.ToSettings(parameters);

        Assert.Equal(new SessionSettings(), settings.Session);
    }

    [Fact]
    public void ToSettings_UnknownAlgoSearch_ThrowsInvalidConfiguration()
    {
        var pass = new RuntimeSettingsPass([ExecutionProvider.Cuda]);
        var parameters = new PassParameters(new Dictionary<string, ParameterValue>
        {
            [RuntimeSettingsPass.CudnnConvAlgoSearchParameter] = ParameterValue.Of("fastest"),
        });

        Assert.Throws<InvalidPassConfigurationException>(() => pass.ToSettings(parameters));
    }

    [Fact]
    public void ToSettings_Defaults_AreCpuAllDefaultThreadsBatchOne()
    {
        var settings = new RuntimeSettingsPass().ToSettings(PassParameters.Empty);

        Assert.Equal(new RuntimeSettings(new SessionSettings(), 1), settings);
    }

    [Theory]
    [InlineData(RuntimeSettingsPass.ProviderParameter, "cuda")]
    [InlineData(RuntimeSettingsPass.OptimizationLevelParameter, "max")]
    public void ToSettings_ValueOutsideChoices_ThrowsInvalidConfiguration(string name, string value)
    {
        var parameters = new PassParameters(new Dictionary<string, ParameterValue> { [name] = ParameterValue.Of(value) });

        Assert.Throws<InvalidPassConfigurationException>(() => new RuntimeSettingsPass().ToSettings(parameters));
    }

    [Fact]
    public void ToSettings_ThreadsOutOfRange_ThrowsInvalidConfiguration()
    {
        var parameters = new PassParameters(new Dictionary<string, ParameterValue> { [RuntimeSettingsPass.IntraOpThreadsParameter] = ParameterValue.Of(99L) });

        Assert.Throws<InvalidPassConfigurationException>(() => new RuntimeSettingsPass(maxThreads: 8).ToSettings(parameters));
    }

    [Fact]
    public void Apply_Penguins_ReturnsByteIdenticalCopyAndRecordsSettings()
    {
        var model = PassTestKit.Load(TestPaths.PenguinsModel);
        var pass = new RuntimeSettingsPass();

        var result = pass.Apply(model, PassParameters.Empty, PassTestKit.Context());

        Assert.NotSame(model, result.Model);
        Assert.Equal(model.ToByteArray(), result.Model.ToByteArray());
        Assert.Equal(PassKind.Runtime, pass.Kind);
        Assert.Equal("s:cpu", result.Record.Parameters[RuntimeSettingsPass.ProviderParameter]);
        Assert.Equal(0, result.Record.NodesTouched);
    }
}
