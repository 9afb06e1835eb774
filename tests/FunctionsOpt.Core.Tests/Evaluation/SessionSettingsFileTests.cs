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

    [Theory]
    [InlineData("{ \"provider\": \"tpu\" }", "provider 'tpu'")]
    [InlineData("{ \"optimizationLevel\": \"max\" }", "optimizationLevel 'max'")]
    [InlineData("{ \"intraOpThreds\": 2 }", "intraOpThreds")]
    [InlineData("{ \"schemaVersion\": \"9.0\" }", "'9.0'")]
    [InlineData("{ \"intraOpThreads\": -1 }", "0..1024")]
    [InlineData("not json", "not valid")]
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
