using System.Globalization;
using System.Text.Json;

namespace FunctionsOpt.SampleTrainer;

/// <summary>One usable row of the penguins data set.</summary>
/// <param name="SourceIndex">Zero-based position of the row in penguins.json.</param>
/// <param name="Features">Raw features in <see cref="PenguinData.FeatureFields"/> order.</param>
/// <param name="Species">Species name as written in the source.</param>
/// <param name="ClassId">Index of the species in the alphabetical class order.</param>
internal sealed record PenguinRow(int SourceIndex, double[] Features, string Species, int ClassId);

/// <summary>A source row that was not used, with the fields that were missing.</summary>
internal sealed record DroppedRow(int SourceIndex, string? Species, IReadOnlyList<string> MissingFields)
{
    public string Reason => "missing " + string.Join(", ", MissingFields);
}

/// <summary>The parsed data set: usable rows, dropped rows and the class order.</summary>
internal sealed record PenguinDataSet(
    int SourceRowCount,
    IReadOnlyList<PenguinRow> Rows,
    IReadOnlyList<DroppedRow> Dropped,
    IReadOnlyList<string> Classes);

internal static class PenguinData
{
    /// <summary>Field names in vega-datasets' penguins.json, in model input order.</summary>
    public static readonly IReadOnlyList<string> FeatureFields =
        ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

    /// <summary>Column names used in the CSV files and the model's documentation, in model input order.</summary>
    public static readonly IReadOnlyList<string> FeatureColumns =
        ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"];

    public const string SpeciesField = "Species";

    /// <summary>
    /// Reads penguins.json. A row is dropped when its species or any of the four features is null or absent;
    /// other fields (island, sex) are not used and their nulls do not matter.
    /// </summary>
    public static PenguinDataSet Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{path}: expected a JSON array of rows.");
        }

        var candidates = new List<(int Index, double[] Features, string Species)>();
        var dropped = new List<DroppedRow>();
        int index = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var missing = new List<string>();
            string? species = null;
            if (element.TryGetProperty(SpeciesField, out var speciesElement)
                && speciesElement.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(speciesElement.GetString()))
            {
                species = speciesElement.GetString();
            }
            else
            {
                missing.Add(SpeciesField);
            }

            var features = new double[FeatureFields.Count];
            for (int f = 0; f < FeatureFields.Count; f++)
            {
                if (element.TryGetProperty(FeatureFields[f], out var value) && value.ValueKind == JsonValueKind.Number)
                {
                    features[f] = value.GetDouble();
                }
                else
                {
                    missing.Add(FeatureFields[f]);
                }
            }

            if (missing.Count == 0)
            {
                candidates.Add((index, features, species!));
            }
            else
            {
                dropped.Add(new DroppedRow(index, species, missing));
            }

            index++;
        }

        var classes = candidates.Select(c => c.Species).Distinct().Order(StringComparer.Ordinal).ToList();
        var rows = candidates
            .Select(c => new PenguinRow(c.Index, c.Features, c.Species, classes.IndexOf(c.Species)))
            .ToList();
        return new PenguinDataSet(index, rows, dropped, classes);
    }

    /// <summary>Formats a source value so that it reads back to the same double (and float).</summary>
    public static string FormatValue(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
