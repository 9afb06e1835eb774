using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Cli.Commands;

/// <summary>Default label column for CSV data: the last header field (the usual place for a target).</summary>
internal static class CsvHeader
{
    public static string? LastColumn(string path)
    {
        if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new InvalidEvaluationDataException($"Data file '{path}' does not exist. Check the path.");
        }

        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new InvalidEvaluationDataException($"CSV file '{path}' has no header row. Add a header naming the feature and label columns.");
        }

        return header.Split(',').Last().Trim().Trim('"');
    }
}
