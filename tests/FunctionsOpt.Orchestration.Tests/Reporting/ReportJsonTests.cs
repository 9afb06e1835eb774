using System.Text.Json.Nodes;
using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class ReportJsonTests
{
    [Fact]
    public void Validate_SampleReport_ConformsToTheSchema()
    {
        var json = ReportJson.Serialize(ReportModelBuilder.Build(ReportSamples.Completed()));

        Assert.Empty(ReportJson.Validate(json));
        Assert.Contains("\"schemaVersion\": \"2.0\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReportOfARunWithoutResults_Conforms()
    {
        var state = ReportSamples.Completed() with { Trials = [], BestTrialId = null, Baseline = null, Environment = null, SourceModel = null, Outcome = null, Serving = null };

        Assert.Empty(ReportJson.Validate(ReportJson.Serialize(ReportModelBuilder.Build(state))));
    }

    [Fact]
    public void Validate_MissingHeadlineAndWrongStatus_ReportsBoth()
    {
        var node = JsonNode.Parse(ReportJson.Serialize(ReportModelBuilder.Build(ReportSamples.Completed())))!.AsObject();
        node.Remove("headline");
        node["status"] = "finished";
        node["trials"]![0]!["metrics"]!["accuracy"] = "high";

        var problems = ReportJson.Validate(node.ToJsonString());

        Assert.Contains(problems, p => p.Path == "$.headline");
        Assert.Contains(problems, p => p.Path == "$.status");
        Assert.Contains(problems, p => p.Path == "$.trials[0].metrics.accuracy");
        Assert.Equal(3, problems.Count);
    }

    [Fact]
    public void SchemaText_CommittedFile_IsTheEmbeddedOne()
    {
        var committed = File.ReadAllText(Path.Combine(Repository.Root, "src", "FunctionsOpt.Orchestration", "Reporting", "report.schema.json"));

        Assert.Equal(committed, ReportJson.SchemaText);
    }
}
