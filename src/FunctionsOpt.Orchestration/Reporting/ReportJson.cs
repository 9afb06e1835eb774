using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>
/// <c>report.json</c>: the <see cref="ReportModel"/> in the engine's JSON conventions (camelCase, enums as strings,
/// nulls omitted), and its committed JSON Schema (<c>Reporting/report.schema.json</c>, embedded in this assembly).
/// </summary>
public static class ReportJson
{
    /// <summary>Manifest resource name of the embedded schema.</summary>
    public const string SchemaResourceName = "FunctionsOpt.Orchestration.Reporting.report.schema.json";

    private static readonly JsonSerializerOptions Indented = new(JsonDefaults.Options) { WriteIndented = true };
    private static readonly Lazy<string> LazySchema = new(ReadSchema);
    private static readonly Lazy<SchemaChecker> LazyChecker = new(() => SchemaChecker.Load(LazySchema.Value));

    /// <summary>The schema document's text.</summary>
    public static string SchemaText => LazySchema.Value;

    /// <summary>The report as indented JSON, ending with a newline.</summary>
    public static string Serialize(ReportModel report) => JsonSerializer.Serialize(report, Indented) + "\n";

    /// <summary>Every way <paramref name="json"/> departs from the report schema; empty when it conforms.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static IReadOnlyList<SpecProblem> Validate(string json)
    {
        using var document = JsonDocument.Parse(json);
        var problems = new List<SpecProblem>();
        LazyChecker.Value.Check(document.RootElement, "$", problems);
        return problems;
    }

    private static string ReadSchema()
    {
        using var stream = typeof(ReportJson).Assembly.GetManifestResourceStream(SchemaResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{SchemaResourceName}' is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
