using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Core.Tests.Evaluation;

public sealed class SessionSettingsFileTests
{
    [Fact]
    public void Parse_WrittenSettings_RoundTrips()
    {
        var settings = new SessionSettings { Provider = ExecutionProvider.TensorRT, IntraOpThreads = 3, InterOpThreads = 2, OptimizationLevel = GraphOptimization.Extended, ParallelExecution = true, DeviceId = 1 };

        var json = SessionSettingsFile.ToJson(settings);

        Assert.Contains("\"provider\": \"tensorrt\"", json, StringComparison.Ordinal);
        Assert.Contains("\"optimizationLevel\": \"extended\"", json, StringComparison.Ordinal);
        Assert.Equal(settings, SessionSettingsFile.Parse(json));
    }

    [Fact]
    public void ToJson_CudaOptions_WrittenAndRoundTrip()
    {
        var settings = new SessionSettings { Provider = ExecutionProvider.Cuda, CudnnConvAlgoSearch = CudnnConvAlgoSearch.Heuristic, EnableCudaGraph = true, PreferNhwc = true };

        var json = SessionSettingsFile.ToJson(settings);

        Assert.Contains("\"cudnnConvAlgoSearch\": \"heuristic\"", json, StringComparison.Ordinal);
        Assert.Contains("\"enableCudaGraph\": true", json, StringComparison.Ordinal);
        Assert.Contains("\"preferNhwc\": true", json, StringComparison.Ordinal);
        Assert.Equal(settings, SessionSettingsFile.Parse(json));
    }

    [Fact]
    public void ToJson_Cpu_WritesNoCudaOptions()
    {
        var json = SessionSettingsFile.ToJson(new SessionSettings());

        Assert.DoesNotContain("cudnn", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("CudaGraph", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Nhwc", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_CudaDocumentWithoutCudaOptions_GetsOrtDefaults()
    {
        var settings = SessionSettingsFile.Parse("{ \"provider\": \"cuda\" }");

        Assert.Equal(new SessionSettings { Provider = ExecutionProvider.Cuda }, settings);
        Assert.Equal(CudnnConvAlgoSearch.Exhaustive, settings.CudnnConvAlgoSearch);
    }

    [Theory]
    [InlineData("{ \"provider\": \"tpu\" }", "provider 'tpu'")]
    [InlineData("{ \"optimizationLevel\": \"max\" }", "optimizationLevel 'max'")]
    [InlineData("{ \"intraOpThreds\": 2 }", "intraOpThreds")]
    [InlineData("{ \"schemaVersion\": \"9.0\" }", "'9.0'")]
    [InlineData("{ \"intraOpThreads\": -1 }", "0..1024")]
    [InlineData("not json", "not valid")]
    [InlineData("{ \"cudnnConvAlgoSearch\": \"fastest\" }", "cudnnConvAlgoSearch 'fastest'")]
    [InlineData("{ \"cudnnConvAlgoSearch\": \"1\" }", "cudnnConvAlgoSearch '1'")]
    public void Parse_BadDocument_InvalidSessionSettings(string json, string expected)
    {
        var error = Assert.Throws<InvalidSessionSettingsException>(() => SessionSettingsFile.Parse(json));

        Assert.Equal("invalid-session-settings", error.ErrorCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_InvalidSessionSettings() =>
        Assert.Throws<InvalidSessionSettingsException>(() => SessionSettingsFile.Load(Path.Combine(Path.GetTempPath(), "no-such-ort-session.json")));
}
