using System.Reflection;
using System.Text.Json;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Tests.Contracts;

public sealed class SpecSchemaTests
{
    [Fact]
    public void Text_EmbeddedSchema_IsTheCommittedFile()
    {
        var committed = File.ReadAllText(FindRepositoryFile("src/FunctionsOpt.Orchestration/Contracts/optimization-spec.schema.json"));

        Assert.Equal(committed, SpecSchema.Text);
    }

    [Fact]
    public void Text_TopLevelProperties_MatchTheContractByReflection()
    {
        using var schema = JsonDocument.Parse(SpecSchema.Text);

        var inSchema = PropertyNames(schema.RootElement);

        Assert.Equal(ContractNames(typeof(OptimizationSpec)), inSchema);
    }

    [Theory]
    [InlineData(typeof(ModelReference), "model")]
    [InlineData(typeof(DatasetReference), "dataset")]
    [InlineData(typeof(ObjectiveSpec), "objective")]
    [InlineData(typeof(ConstraintsSpec), "constraints")]
    [InlineData(typeof(SearchSpec), "search")]
    [InlineData(typeof(ProviderPolicy), "providers")]
    public void Text_SectionProperties_MatchTheContractByReflection(Type contract, string section)
    {
        using var schema = JsonDocument.Parse(SpecSchema.Text);

        var inSchema = PropertyNames(schema.RootElement.GetProperty("properties").GetProperty(section));

        Assert.Equal(ContractNames(contract), inSchema);
    }

    [Fact]
    public void Text_ItemProperties_MatchTheContractByReflection()
    {
        using var schema = JsonDocument.Parse(SpecSchema.Text);
        var properties = schema.RootElement.GetProperty("properties");

        var weights = PropertyNames(properties.GetProperty("objective").GetProperty("properties").GetProperty("weights").GetProperty("items"));
        var quality = PropertyNames(properties.GetProperty("constraints").GetProperty("properties").GetProperty("quality").GetProperty("items"));

        Assert.Equal(ContractNames(typeof(WeightedMetric)), weights);
        Assert.Equal(ContractNames(typeof(QualityConstraint)), quality);
    }

    [Fact]
    public void Load_SchemaWithAnUnsupportedKeyword_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SchemaChecker.Load("""{ "type": "object", "oneOf": [] }"""));

        Assert.Contains("oneOf", error.Message, StringComparison.Ordinal);
    }

    private static string[] PropertyNames(JsonElement schemaObject) =>
        schemaObject.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    private static string[] ContractNames(Type contract) =>
        contract.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static string FindRepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(relative);
    }
}
