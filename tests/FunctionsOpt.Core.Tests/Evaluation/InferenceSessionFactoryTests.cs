using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Evaluation;

// The tests run on the CPU-only ONNX Runtime package, where appending CUDA or TensorRT fails for real
// (EntryPointNotFoundException), which is exactly the "provider cannot load" path.
public sealed class InferenceSessionFactoryTests
{
    [Fact]
    public void Create_Cpu_RecordsCpuWithoutFallback()
    {
        using var handle = new InferenceSessionFactory().Create(TestPaths.PenguinsModel, new SessionSettings());

        Assert.Equal(ExecutionProvider.Cpu, handle.ProviderUsed);
        Assert.Null(handle.FallbackReason);
        Assert.Equal(new ProviderRecord("cpu", "cpu", null), handle.ToRecord());
        Assert.True(handle.CreationTime > TimeSpan.Zero);
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda, "cuda")]
    [InlineData(ExecutionProvider.TensorRT, "tensorrt")]
    public void Create_GpuProviderUnavailableWithoutFallback_ThrowsProviderUnavailable(ExecutionProvider provider, string name)
    {
        var settings = new SessionSettings { Provider = provider };

        var error = Assert.Throws<ProviderUnavailableException>(() => new InferenceSessionFactory().Create(TestPaths.PenguinsModel, settings));

        Assert.Equal(name, error.Provider);
        Assert.Equal(ProviderUnavailableException.Code, error.ErrorCode);
        Assert.Contains($"The {name} execution provider is not available", error.Message, StringComparison.Ordinal);
        Assert.Contains("allow CPU fallback", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CudaUnavailableWithFallback_RunsOnCpuAndRecordsWhy()
    {
        var settings = new SessionSettings { Provider = ExecutionProvider.Cuda, AllowCpuFallback = true };

        using var handle = new InferenceSessionFactory().Create(TestPaths.PenguinsModel, settings);

        Assert.Equal(ExecutionProvider.Cpu, handle.ProviderUsed);
        Assert.Equal(ExecutionProvider.Cuda, handle.Settings.Provider);
        Assert.StartsWith("cuda provider could not be loaded", handle.FallbackReason, StringComparison.Ordinal);
        var record = handle.ToRecord();
        Assert.Equal("cuda", record.Requested);
        Assert.Equal("cpu", record.Used);
    }

    [Fact]
    public void CudaProviderOptions_Defaults_AreOrtKeysForDevice0ExhaustiveNoGraphNoNhwc()
    {
        var options = InferenceSessionFactory.CudaProviderOptions(new SessionSettings { Provider = ExecutionProvider.Cuda });

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["cudnn_conv_algo_search"] = "EXHAUSTIVE",
                ["device_id"] = "0",
                ["enable_cuda_graph"] = "0",
                ["prefer_nhwc"] = "0",
            },
            options);
    }

    [Theory]
    [InlineData(CudnnConvAlgoSearch.Exhaustive, "EXHAUSTIVE")]
    [InlineData(CudnnConvAlgoSearch.Heuristic, "HEURISTIC")]
    [InlineData(CudnnConvAlgoSearch.Default, "DEFAULT")]
    public void CudaProviderOptions_AlgoSearch_IsOrtsName(CudnnConvAlgoSearch search, string expected)
    {
        var options = InferenceSessionFactory.CudaProviderOptions(new SessionSettings { CudnnConvAlgoSearch = search });

        Assert.Equal(expected, options["cudnn_conv_algo_search"]);
    }

    [Fact]
    public void CudaProviderOptions_DeviceGraphAndNhwcSet_AreStringsOrtParses()
    {
        var settings = new SessionSettings { Provider = ExecutionProvider.Cuda, DeviceId = 3, EnableCudaGraph = true, PreferNhwc = true };

        var options = InferenceSessionFactory.CudaProviderOptions(settings);

        Assert.Equal("3", options["device_id"]);
        Assert.Equal("1", options["enable_cuda_graph"]);
        Assert.Equal("1", options["prefer_nhwc"]);
    }

    [Fact]
    public void Create_CudaOptionsSetButCudaUnavailable_FallsBackToCpuAsBefore()
    {
        // The options object is created inside the fallback's try: on the CPU package it fails like the append did.
        var settings = new SessionSettings
        {
            Provider = ExecutionProvider.Cuda,
            AllowCpuFallback = true,
            CudnnConvAlgoSearch = CudnnConvAlgoSearch.Heuristic,
            EnableCudaGraph = true,
            PreferNhwc = true,
        };

        using var handle = new InferenceSessionFactory().Create(TestPaths.PenguinsModel, settings);

        Assert.Equal(ExecutionProvider.Cpu, handle.ProviderUsed);
        Assert.StartsWith("cuda provider could not be loaded", handle.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ModelBytes_OpensSession()
    {
        var bytes = File.ReadAllBytes(TestPaths.PenguinsModel);

        using var handle = new InferenceSessionFactory().Create(bytes, "penguins", new SessionSettings { IntraOpThreads = 1, OptimizationLevel = GraphOptimization.Basic });

        Assert.Equal(["features"], handle.Session.InputMetadata.Keys);
    }

    [Theory]
    [InlineData("cpu", ExecutionProvider.Cpu)]
    [InlineData("CUDA", ExecutionProvider.Cuda)]
    [InlineData("trt", ExecutionProvider.TensorRT)]
    [InlineData("tensorrt", ExecutionProvider.TensorRT)]
    public void TryParse_KnownNames_ReturnsProvider(string text, ExecutionProvider expected)
    {
        Assert.True(ExecutionProviderNames.TryParse(text, out var provider));
        Assert.Equal(expected, provider);
    }

    [Fact]
    public void TryParse_UnknownName_ReturnsFalse()
    {
        Assert.False(ExecutionProviderNames.TryParse("rocm", out _));
    }
}
