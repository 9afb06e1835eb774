using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class DatasetManifestTests
{
    [Fact]
    public void Parse_ArrayForm_ReadsCamelCaseProperties()
    {
        var manifest = DatasetManifest.Parse("""
            {
              // comments and trailing commas are tolerated
              "inputs": {"input_ids": {"file": "x.npy"}, "mask": {"file": "data.npz", "array": "mask"}},
              "labels": {"file": "y.npy"},
              "classNames": ["a", "b"],
              "referenceOutputs": {"logits": {"file": "ref.npz", "array": "logits"}},
            }
            """);

        Assert.Equal("x.npy", manifest.Inputs!["input_ids"].File);
        Assert.Equal("mask", manifest.Inputs["mask"].Array);
        Assert.Equal("y.npy", manifest.Labels!.File);
        Assert.Equal(["a", "b"], manifest.ClassNames!);
        Assert.Equal("logits", manifest.ReferenceOutputs!["logits"].Array);
        Assert.Null(manifest.Csv);
    }

    [Fact]
    public void Parse_CsvForm_ReadsSettings()
    {
        var manifest = DatasetManifest.Parse("""
            {"csv": {"file": "eval.csv", "labelColumn": "species", "featureColumns": ["a", "b"], "input": "features", "task": "classification", "missingValues": "dropRows"}}
            """);

        Assert.Equal("eval.csv", manifest.Csv!.File);
        Assert.Equal("species", manifest.Csv.LabelColumn);
        Assert.Equal(["a", "b"], manifest.Csv.FeatureColumns!);
        Assert.Equal("features", manifest.Csv.Input);
        Assert.Equal("dropRows", manifest.Csv.MissingValues);
    }

    [Fact]
    public void Parse_InvalidJson_ThrowsNamingManifest()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => DatasetManifest.Parse("{\"inputs\": [", "m.json"));

        Assert.Contains("Manifest 'm.json' is not valid manifest JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ValidArrayManifest_ReturnsNoProblems()
    {
        using var folder = new TempFolder();
        folder.CopyFixture("manifest_x.npy");
        folder.CopyFixture("manifest_arrays.npz");
        var manifest = DatasetManifest.Parse("""{"inputs": {"x": {"file": "manifest_x.npy"}, "mask": {"file": "manifest_arrays.npz", "array": "mask"}}}""");

        Assert.Empty(manifest.Validate(folder.Root));
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEveryOne()
    {
        using var folder = new TempFolder();
        folder.CopyFixture("manifest_x.npy");
        folder.CopyFixture("manifest_arrays.npz");
        var manifest = DatasetManifest.Parse("""
            {
              "inputs": {
                "a": {"file": "../outside.npy"},
                "b": {"file": "/etc/passwd.npy"},
                "c": {"file": "manifest_arrays.npz"},
                "d": {"file": "manifest_x.npy", "array": "x"},
                "e": {"file": "absent.npy"},
                "f": {"file": "data.txt"},
                "g": {"fil": "manifest_x.npy"}
              },
              "classNames": ["a", "a"],
              "extra": 1
            }
            """);

        var problems = manifest.Validate(folder.Root);

        Assert.Contains(problems, p => p.Contains("inputs.a.file '../outside.npy' leaves the manifest's folder", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inputs.b.file '/etc/passwd.npy' leaves the manifest's folder", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inputs.c points at the archive", StringComparison.Ordinal) && p.Contains("\"array\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inputs.d names array 'x'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inputs.e.file 'absent.npy' does not exist", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inputs.f.file 'data.txt' must end in .npy or .npz", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inputs.g has unknown property \"fil\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("inputs.g.file is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("classNames repeats 'a'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unknown property \"extra\"", StringComparison.Ordinal));
        Assert.Equal(10, problems.Count);
    }

    [Fact]
    public void Validate_NeitherForm_ReportsMissingInputsOrCsv()
    {
        var problems = DatasetManifest.Parse("{}").Validate(Path.GetTempPath());

        Assert.Equal(["the manifest has neither \"inputs\" nor \"csv\"; add one of them"], problems);
    }

    [Fact]
    public void Validate_BothForms_ReportsConflict()
    {
        using var folder = new TempFolder();
        folder.Write("eval.csv", "a,label\n1,x\n");
        folder.CopyFixture("manifest_x.npy");
        var manifest = DatasetManifest.Parse("""{"inputs": {"x": {"file": "manifest_x.npy"}}, "csv": {"file": "eval.csv", "input": "x"}}""");

        var problems = manifest.Validate(folder.Root);

        Assert.Equal(["the manifest has both \"inputs\" and \"csv\"; keep only one form"], problems);
    }

    [Fact]
    public void Validate_BadCsvSettings_ReportsEachSetting()
    {
        using var folder = new TempFolder();
        folder.Write("eval.csv", "a,label\n1,x\n");
        var manifest = DatasetManifest.Parse("""{"csv": {"file": "eval.csv", "task": "ranking", "missingValues": "zero", "featureColumns": []}}""");

        var problems = manifest.Validate(folder.Root);

        Assert.Contains(problems, p => p.Contains("csv.input is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("csv.task 'ranking' is not supported", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("csv.missingValues 'zero' is not supported", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("csv.featureColumns is empty", StringComparison.Ordinal));
        Assert.Equal(4, problems.Count);
    }

    [Theory]
    [InlineData("x.npy", true)]
    [InlineData("sub/x.npy", true)]
    [InlineData("sub/../x.npy", true)]
    [InlineData("../x.npy", false)]
    [InlineData("sub/../../x.npy", false)]
    [InlineData("/tmp/x.npy", false)]
    [InlineData("C:x.npy", false)]
    public void ResolveInside_Paths_AcceptsOnlyPathsInsideFolder(string file, bool inside)
    {
        var root = Path.Combine(Path.GetTempPath(), "manifest-root");

        var resolved = DatasetManifest.ResolveInside(root, file);

        Assert.Equal(inside, resolved is not null);
    }

    [Fact]
    public void Parse_DuplicateKey_ThrowsInvalidData()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => DatasetManifest.Parse("""{ "inputs": { "x": { "file": "a.npy" } }, "labels": { "file": "b.npy" }, "labels": { "file": "c.npy" } }""", "m.json"));

        Assert.Equal("invalid-data", ex.ErrorCode);
        Assert.Contains("'m.json' is not valid manifest JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains("labels", ex.Message, StringComparison.Ordinal);
    }
}
