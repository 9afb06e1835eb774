using System.Text.Json.Nodes;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Contracts;

public sealed class SpecValidatorTests
{
    [Fact]
    public void Validate_FullSpec_HasNoProblems()
    {
        var result = SpecValidator.Default.Validate(SpecSamples.Full);

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.NotNull(result.Spec);
    }

    [Fact]
    public void Validate_SeveralProblemsInDifferentSections_ReportsEveryOneWithItsPath()
    {
        const string json = """
            {
              "schemaVersion": "1.0",
              "model": { "blob": "../secrets.onnx" },
              "dataset": { "blob": "d.csv", "input": "x", "task": "regression" },
              "objective": { "metric": "latency", "batchSize": 0 },
              "constraints": { "quality": [ { "metric": "accuracy", "maxDrop": -0.1 } ] },
              "search": { "eta": 1, "minResourse": 2 },
              "passes": ["fp16", "FP16!", "fp16"],
              "providers": { "allowed": ["gpu"] },
              "seed": 1.5
            }
            """;

        var result = SpecValidator.Default.Validate(json);

        var paths = result.Problems.Select(p => p.Path).Order(StringComparer.Ordinal).ToList();
        string[] expected =
            [
                "$.constraints.quality[0].maxDrop",
                "$.dataset.labelColumn",
                "$.model.blob",
                "$.objective.batchSize",
                "$.objective.metric",
                "$.passes[1]",
                "$.passes[2]",
                "$.providers.allowed[0]",
                "$.search.eta",
                "$.search.minResourse",
                "$.seed",
            ];
        Assert.Equal(expected, paths);
        Assert.Null(result.Spec);
        Assert.All(result.Problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Fix)));
    }

    [Fact]
    public void Validate_MisspelledProperty_SuggestsTheKnownName()
    {
        var json = Mutate(SpecSamples.Minimal, root => root["seeed"] = 3);

        var problem = Assert.Single(SpecValidator.Default.Validate(json).Problems);

        Assert.Equal("$.seeed", problem.Path);
        Assert.Contains("\"seed\"", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingRequiredSections_ReportsEach()
    {
        var paths = SpecValidator.Default.Validate("""{ "schemaVersion": "1.0" }""").Problems.Select(p => p.Path).ToList();

        Assert.Equal(["$.model", "$.dataset"], paths);
    }

    [Theory]
    [InlineData("\"2.0\"")]
    [InlineData("\"1\"")]
    [InlineData("1.0")]
    public void Validate_UnknownSchemaVersion_ReportsOnlyThatWithTheSupportedVersion(string version)
    {
        var json = SpecSamples.Minimal.Replace("\"1.0\"", version, StringComparison.Ordinal).Replace("\"model\"", "\"modle\"", StringComparison.Ordinal);

        var problem = Assert.Single(SpecValidator.Default.Validate(json).Problems);

        Assert.Equal("$.schemaVersion", problem.Path);
        Assert.Contains("unknown", problem.Message, StringComparison.Ordinal);
        Assert.Contains("\"1.0\"", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingSchemaVersion_AsksForIt()
    {
        var problem = Assert.Single(SpecValidator.Default.Validate("""{ "model": { "blob": "m.onnx" } }""").Problems);

        Assert.Equal("$.schemaVersion", problem.Path);
    }

    [Fact]
    public void Validate_MalformedJson_ReportsThePosition()
    {
        var problem = Assert.Single(SpecValidator.Default.Validate("{ \"schemaVersion\": \"1.0\",\n  \"model\": { ").Problems);

        Assert.Equal("$", problem.Path);
        Assert.Contains("line 2", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CrossFieldRules_ReportsEveryViolation()
    {
        const string json = """
            {
              "schemaVersion": "1.0",
              "model": { "blob": "m.onnx", "path": "/tmp/m.onnx" },
              "dataset": { "path": "eval.json", "input": "x", "task": "fidelity", "scoreKind": "logits" },
              "objective": { "metric": "throughput", "direction": "minimize" },
              "constraints": { "quality": [ { "metric": "r2", "maxDrop": 2, "mode": "relative" }, { "metric": "r2", "maxDrop": 0.1 } ] },
              "search": { "scheduler": "random", "maxResource": 9, "minResource": 10 }
            }
            """;

        var problems = SpecValidator.Default.Validate(json).Problems;

        string[] expected =
            [
                "$.constraints.quality[0].maxDrop",
                "$.constraints.quality[0].metric",
                "$.constraints.quality[1].metric",
                "$.dataset.input",
                "$.dataset.scoreKind",
                "$.model",
                "$.objective.direction",
                "$.search",
                "$.search.minResource",
            ];
        Assert.Equal(expected, problems.Select(p => p.Path).Order(StringComparer.Ordinal).Distinct().ToArray());
        // quality[1] both repeats r2 and needs regression data: two problems on one path.
        Assert.Equal(2, problems.Count(p => p.Path == "$.constraints.quality[1].metric"));
    }

    [Fact]
    public void Validate_BrokenSectionNextToCrossFieldProblem_ReportsBoth()
    {
        var json = Mutate(SpecSamples.Minimal, root =>
        {
            root["objective"] = new JsonObject { ["batchSize"] = "eight" };
            root["search"] = new JsonObject { ["scheduler"] = "asha" };
        });

        var paths = SpecValidator.Default.Validate(json).Problems.Select(p => p.Path).ToList();

        Assert.Equal(["$.objective.batchSize", "$.search"], paths);
    }

    [Fact]
    public void Validate_WithCatalogue_RefusesUnknownPassNames()
    {
        var validator = new SpecValidator(["fp16", "quantize-dynamic"]);
        var json = Mutate(SpecSamples.Minimal, root => root["passes"] = new JsonArray("fp16", "quantize-statik"));

        var problem = Assert.Single(validator.Validate(json).Problems);

        Assert.Equal("$.passes[1]", problem.Path);
        Assert.Contains("\"quantize-dynamic\"", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ObjectiveWithBothMetricAndWeights_IsRefused()
    {
        var json = Mutate(SpecSamples.Minimal, root => root["objective"] = JsonNode.Parse("""
            { "metric": "sizeBytes", "weights": [ { "metric": "sizeBytes", "weight": 1 }, { "metric": "sizeBytes", "weight": 2 } ] }
            """));

        var paths = SpecValidator.Default.Validate(json).Problems.Select(p => p.Path).ToList();

        Assert.Equal(["$.objective", "$.objective.weights[1].metric"], paths);
    }

    [Fact]
    public void Validate_WeightedObjective_IsAccepted()
    {
        var json = Mutate(SpecSamples.Minimal, root => root["objective"] = JsonNode.Parse("""
            { "weights": [ { "metric": "latencyP50", "weight": 0.7 }, { "metric": "sizeBytes", "weight": 0.3 } ] }
            """));

        var result = SpecValidator.Default.Validate(json);

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.Null(result.Spec!.Objective.Metric);
        Assert.Equal(2, result.Spec.Objective.Weights!.Count);
    }

    [Fact]
    public void Validate_TypedSpec_UsesTheSameRulesAndPaths()
    {
        var spec = new OptimizationSpec
        {
            Model = new ModelReference(),
            Dataset = new DatasetReference { Blob = "d.csv", Input = "x", LabelColumn = "y" },
            Search = new SearchSpec { Eta = 1 },
        };

        var paths = SpecValidator.Default.Validate(spec).Problems.Select(p => p.Path).ToList();

        Assert.Equal(["$.search.eta", "$.model"], paths);
    }

    [Fact]
    public void Parse_InvalidSpec_ThrowsWithEveryProblem()
    {
        var json = Mutate(SpecSamples.Minimal, root =>
        {
            root["seed"] = -1;
            root["passes"] = new JsonArray();
        });

        var error = Assert.Throws<InvalidSpecException>(() => SpecValidator.Default.Parse(json));

        Assert.Equal("invalid-spec", error.ErrorCode);
        Assert.Equal(["$.passes", "$.seed"], error.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.Contains("$.seed", error.Message, StringComparison.Ordinal);
    }

    private static string Mutate(string json, Action<JsonObject> change)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        change(root);
        return root.ToJsonString();
    }

    [Fact]
    public void Validate_DuplicateKey_RejectedAsInvalidJson()
    {
        const string json = """
            { "schemaVersion": "1.0", "model": { "blob": "m.onnx" }, "dataset": { "blob": "d.npz" }, "seed": 1, "seed": 2 }
            """;

        var result = SpecValidator.Default.Validate(json);

        var problem = Assert.Single(result.Problems);
        Assert.Equal("$", problem.Path);
        Assert.Contains("not valid JSON", problem.Message, StringComparison.Ordinal);
        Assert.Contains("seed", problem.Message, StringComparison.Ordinal);
        Assert.Null(result.Spec);
    }

    [Fact]
    public void Validate_NulInBlobName_Rejected()
    {
        var json = "{ \"schemaVersion\": \"1.0\", \"model\": { \"blob\": \"m\\u0000.onnx\" }, \"dataset\": { \"blob\": \"d.npz\" } }";

        var result = SpecValidator.Default.Validate(json);

        Assert.Contains(result.Problems, p => p.Path == "$.model.blob" && p.Message.Contains("not a safe blob name", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NpzAndNpyInferredFromExtension_InputAllowedOnlyForNpy()
    {
        var npz = SpecValidator.Default.Validate(new OptimizationSpec { Model = new() { Blob = "m.onnx" }, Dataset = new() { Blob = "d.npz" } });
        var npzWithInput = SpecValidator.Default.Validate(new OptimizationSpec { Model = new() { Blob = "m.onnx" }, Dataset = new() { Blob = "d.npz", Input = "x" } });
        var npy = SpecValidator.Default.Validate(new OptimizationSpec
        {
            Model = new() { Blob = "m.onnx" },
            Dataset = new() { Blob = "d.npy", Input = "x", Task = EvaluationTask.Fidelity },
            Constraints = new() { Quality = [new QualityConstraint { Metric = QualityMetric.Cosine, MaxDrop = 0.01 }], MaxRelativeRms = 0.1 },
        });
        var npyClassification = SpecValidator.Default.Validate(new OptimizationSpec { Model = new() { Blob = "m.onnx" }, Dataset = new() { Blob = "d.npy" } });

        Assert.True(npz.IsValid, string.Join("; ", npz.Problems));
        Assert.Equal("$.dataset.input", Assert.Single(npzWithInput.Problems).Path);
        Assert.True(npy.IsValid, string.Join("; ", npy.Problems));
        Assert.Equal(0.1, npy.Spec!.Constraints.MaxRelativeRms);
        // An .npy may carry labels in a sibling NAME.labels.npy, which only loading can see.
        Assert.True(npyClassification.IsValid, string.Join("; ", npyClassification.Problems));
    }

    [Fact]
    public void Validate_ManifestWithoutInput_HasNoProblems()
    {
        var result = SpecValidator.Default.Validate(new OptimizationSpec { Model = new() { Blob = "m.onnx" }, Dataset = new() { Blob = "data/manifest.json" } });

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
    }
}
