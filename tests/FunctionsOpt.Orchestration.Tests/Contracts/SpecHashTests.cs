using System.Security.Cryptography;
using System.Text;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Contracts;

public sealed class SpecHashTests
{
    [Fact]
    public void Compute_MinimalSpec_IsSha256OfTheHandWrittenCanonicalForm()
    {
        // Written out by hand: defaults filled in, nulls dropped, keys sorted ordinally at every level, no whitespace.
        const string canonical =
            "{\"constraints\":{\"quality\":[]}," +
            "\"dataset\":{\"blob\":\"d.csv\",\"input\":\"x\",\"labelColumn\":\"y\",\"task\":\"classification\"}," +
            "\"model\":{\"blob\":\"m.onnx\"}," +
            "\"objective\":{\"batchSize\":1,\"metric\":\"latencyP50\"}," +
            "\"providers\":{\"allowCpuFallback\":true,\"allowed\":[\"cpu\"]}," +
            "\"schemaVersion\":\"1.0\"," +
            "\"search\":{\"eta\":3,\"maxResource\":27,\"minResource\":1,\"scheduler\":\"hyperband\"}," +
            "\"seed\":0}";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        var spec = SpecValidator.Default.Parse(SpecSamples.Minimal);

        Assert.Equal(canonical, SpecHash.CanonicalJson(spec));
        Assert.Equal(expected, SpecHash.Compute(spec));
        Assert.Equal("run-" + expected[..16], SpecHash.RunIdOf(spec));
    }

    [Fact]
    public void RunIdOf_ReorderedReformattedAndDefaultsSpelledOut_IsUnchanged()
    {
        const string reordered = """
            {
              // the same spec, properties in another order, other whitespace, defaults written out
              "dataset": { "labelColumn": "y",   "input": "x", "blob": "d.csv", "task": "classification" },
              "seed": 0,
              "search": { "eta": 3, "scheduler": "hyperband" },
              "objective": { "batchSize": 1, "metric": "latencyP50" },
              "model": { "blob": "m.onnx" },
              "schemaVersion": "1.0",
            }
            """;

        var first = SpecHash.RunIdOf(SpecValidator.Default.Parse(SpecSamples.Minimal));
        var second = SpecHash.RunIdOf(SpecValidator.Default.Parse(reordered));

        Assert.Equal(first, second);
    }

    [Fact]
    public void RunIdOf_SameDocumentParsedTwice_IsTheSame()
    {
        var first = SpecHash.RunIdOf(SpecValidator.Default.Parse(SpecSamples.Full));
        var second = SpecHash.RunIdOf(SpecValidator.Default.Parse(SpecSamples.Full));

        Assert.Equal(first, second);
        Assert.Matches("^run-[0-9a-f]{16}$", first);
    }

    [Theory]
    [InlineData("\"seed\": 42", "\"seed\": 43")]
    [InlineData("\"maxDrop\": 0.01", "\"maxDrop\": 0.011")]
    [InlineData("\"blob\": \"penguins/model.onnx\"", "\"blob\": \"penguins/model2.onnx\"")]
    [InlineData("[\"fp16\", \"quantize-dynamic\", \"prune-magnitude\"]", "[\"quantize-dynamic\", \"fp16\", \"prune-magnitude\"]")]
    [InlineData("\"allowCpuFallback\": false", "\"allowCpuFallback\": true")]
    public void RunIdOf_ChangedValue_Differs(string original, string changed)
    {
        Assert.Contains(original, SpecSamples.Full, StringComparison.Ordinal);
        var before = SpecHash.RunIdOf(SpecValidator.Default.Parse(SpecSamples.Full));

        var after = SpecHash.RunIdOf(SpecValidator.Default.Parse(SpecSamples.Full.Replace(original, changed, StringComparison.Ordinal)));

        Assert.NotEqual(before, after);
    }
}
