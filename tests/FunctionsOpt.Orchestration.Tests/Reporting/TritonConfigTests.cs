using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class TritonConfigTests
{
    [Fact]
    public void Render_SampleRun_ParsesWithMeasuredBatchingAndCpuInstance()
    {
        var config = Pbtxt.Parse(TritonConfig.Render(ReportModelBuilder.Build(ReportSamples.Completed())));

        Assert.Equal("penguins", config.Scalar("name"));
        Assert.Equal("onnxruntime_onnx", config.Scalar("platform"));
        Assert.Equal("onnxruntime", config.Scalar("backend"));
        Assert.Equal("model.onnx", config.Scalar("default_model_filename"));
        // Curve 1000, 2500, 3200, 3368 rows/s at 1, 4, 16, 64: peak at 64, 90% (3031.2) first reached at 16.
        Assert.Equal("64", config.Scalar("max_batch_size"));
        Assert.Equal(["16", "64"], config.Message("dynamic_batching").List("preferred_batch_size").Cast<string>());
        var input = (PbMessage)Assert.Single(config.List("input"));
        Assert.Equal("features", input.Scalar("name"));
        Assert.Equal("TYPE_FP32", input.Scalar("data_type"));
        Assert.Equal(["4"], input.List("dims").Cast<string>());
        var output = (PbMessage)Assert.Single(config.List("output"));
        Assert.Equal(["3"], output.List("dims").Cast<string>());
        var instance = (PbMessage)Assert.Single(config.List("instance_group"));
        Assert.Equal("KIND_CPU", instance.Scalar("kind"));
        Assert.Equal("1", instance.Scalar("count"));
        Assert.False(config.Has("optimization"));
        var threads = config.Message("parameters");
        Assert.Equal("intra_op_thread_count", threads.Scalar("key"));
        Assert.Equal("2", threads.Message("value").Scalar("string_value"));
    }

    [Fact]
    public void Render_TensorRtRun_GpuInstanceWithTensorRtAccelerator()
    {
        var state = ReportSamples.Completed();
        var trt = new ProviderUsage { Requested = ProviderName.TensorRT, Used = ProviderName.TensorRT };
        state = state.WithTrial(state.Trials.Single(t => t.TrialId == "final-0") with { Provider = trt });

        var config = Pbtxt.Parse(TritonConfig.Render(ReportModelBuilder.Build(state)));

        var instance = (PbMessage)Assert.Single(config.List("instance_group"));
        Assert.Equal("KIND_GPU", instance.Scalar("kind"));
        var accelerator = (PbMessage)Assert.Single(config.Message("optimization").Message("execution_accelerators").List("gpu_execution_accelerator"));
        Assert.Equal("tensorrt", accelerator.Scalar("name"));
    }

    [Fact]
    public void Render_FixedBatchModel_NoBatchingAndFullDims()
    {
        var state = ReportSamples.Completed();
        state = state with { SourceModel = state.SourceModel! with { Inputs = [new TensorSignature { Name = "x", ElementType = "float", Shape = [1, 3, 224, 224] }] } };

        var config = Pbtxt.Parse(TritonConfig.Render(ReportModelBuilder.Build(state)));

        Assert.Equal("0", config.Scalar("max_batch_size"));
        Assert.False(config.Has("dynamic_batching"));
        Assert.Equal(["1", "3", "224", "224"], ((PbMessage)config.List("input")[0]).List("dims").Cast<string>());
    }

    [Fact]
    public void Render_SampleRun_NamesTheFilesOfItsRepositoryLayout()
    {
        var files = RunResultsWriter.Render(ReportSamples.Completed());
        var configFile = Assert.Single(files, f => f.RelativePath.EndsWith("config.pbtxt", StringComparison.Ordinal));
        var config = Pbtxt.Parse(configFile.Text);

        // Triton requires the folder to be named after the model and the file to sit in a numeric version folder.
        var folder = Path.GetDirectoryName(configFile.RelativePath)!.Replace('\\', '/');
        Assert.Equal(TritonConfig.RepositoryFolder + "/" + config.Scalar("name"), folder);
        Assert.Equal(folder + "/1/" + config.Scalar("default_model_filename"), TritonConfig.ModelPath(config.Scalar("name")));
        var session = SessionSettingsFile.Parse(Assert.Single(files, f => f.RelativePath == TritonConfig.SessionSettingsPath).Text);
        Assert.Equal(ExecutionProvider.Cpu, session.Provider);
        Assert.Equal(2, session.IntraOpThreads);
        Assert.Equal(GraphOptimization.All, session.OptimizationLevel);
    }

    [Theory]
    [InlineData("float", "TYPE_FP32")]
    [InlineData("float16", "TYPE_FP16")]
    [InlineData("int64", "TYPE_INT64")]
    [InlineData("uint8", "TYPE_UINT8")]
    [InlineData("bool", "TYPE_BOOL")]
    public void DataType_OnnxElementType_TritonName(string onnx, string triton) => Assert.Equal(triton, TritonConfig.DataType(onnx));
}
