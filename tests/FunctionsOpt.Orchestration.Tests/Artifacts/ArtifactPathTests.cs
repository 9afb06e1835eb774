using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Orchestration.Tests.Artifacts;

public sealed class ArtifactPathTests
{
    [Fact]
    public void Layout_RunFiles_FollowTheDocumentedLayout()
    {
        Assert.Equal("runs/run-1/state.json", ArtifactLayout.State("run-1").ToString());
        Assert.Equal("runs/run-1/candidates/ab12.onnx", ArtifactLayout.Candidate("run-1", "ab12").ToString());
        Assert.Equal("runs/run-1/best/model.onnx", ArtifactLayout.BestModel("run-1").ToString());
        Assert.Equal("runs/run-1/report.json", ArtifactLayout.Report("run-1").ToString());
        Assert.Equal("runs/run-1/trials.csv", ArtifactLayout.TrialsCsv("run-1").ToString());
        Assert.Equal("models/penguins/model.onnx", ArtifactLayout.Model("penguins/model.onnx").ToString());
    }

    [Fact]
    public void Parse_TextForm_RoundTrips()
    {
        var path = ArtifactPath.Parse("runs/run-1/best/model.onnx");

        Assert.Equal(ArtifactContainer.Runs, path.Container);
        Assert.Equal("run-1/best/model.onnx", path.Name);
        Assert.Equal(ArtifactLayout.BestModel("run-1"), path);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a/..")]
    [InlineData("/abs/model.onnx")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData(".hidden")]
    [InlineData("a/.tmp/x")]
    [InlineData("a\\b")]
    [InlineData("model name.onnx")]
    [InlineData("C:model.onnx")]
    [InlineData("")]
    public void Model_UnsafeName_ThrowsTypedError(string name)
    {
        var error = Assert.Throws<InvalidArtifactPathException>(() => ArtifactLayout.Model(name));

        Assert.Equal("invalid-artifact-path", error.ErrorCode);
        Assert.Equal(name, error.Value);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("run/1")]
    [InlineData("run.1")]
    [InlineData("")]
    [InlineData("run 1")]
    public void State_UnsafeRunId_ThrowsTypedError(string runId)
    {
        var error = Assert.Throws<InvalidArtifactPathException>(() => ArtifactLayout.State(runId));

        Assert.Equal("invalid-artifact-path", error.ErrorCode);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Candidate_UnsafeHash_ThrowsTypedError(string hash)
    {
        Assert.Throws<InvalidArtifactPathException>(() => ArtifactLayout.Candidate("run-1", hash));
    }

    [Theory]
    [InlineData("blobs/x")]
    [InlineData("models")]
    [InlineData("runs/../models/x")]
    public void Parse_UnknownContainerOrUnsafeName_ThrowsTypedError(string text)
    {
        Assert.Throws<InvalidArtifactPathException>(() => ArtifactPath.Parse(text));
    }
}
