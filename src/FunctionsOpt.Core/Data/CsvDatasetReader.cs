using System.Globalization;
using System.Text;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// Reads a CSV file with a header row into an <see cref="EvaluationDataset"/>: features become one float32 [N,F]
/// input, the label column becomes int64 class ids or float64 targets. Missing values are reported with line
/// numbers and never zero-filled. Thread-safe (stateless).
/// </summary>
public static class CsvDatasetReader
{
    /// <summary>Cells that count as missing (compared case-insensitively after trimming).</summary>
    public static readonly IReadOnlyList<string> MissingTokens = ["", "NA", "N/A", "NaN", "null", "None"];

    private const int MaxListed = 20;

    /// <summary>Reads the CSV file at <paramref name="path"/> (UTF-8, BOM optional).</summary>
    public static CsvReadResult ReadFile(string path, CsvReadOptions options, DataLimitsOptions? limits = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var stream = DataFiles.OpenRead(path, limits ?? DataLimitsOptions.Default, "CSV");
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, options, Path.GetFileName(path));
    }

    /// <summary>Reads CSV text from <paramref name="reader"/>.</summary>
    /// <param name="reader">The CSV text, header row first.</param>
    /// <param name="options">Columns, input name, task and missing-value policy.</param>
    /// <param name="sourceName">Name used in error messages and <see cref="EvaluationDataset.Source"/>.</param>
    public static CsvReadResult Read(TextReader reader, CsvReadOptions options, string sourceName = "csv")
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (string.IsNullOrWhiteSpace(options.InputName))
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}': no model input name was given for the CSV features; set InputName (manifest: \"input\") to the model input they feed.");
        }

        var tokenizer = new CsvTokenizer(reader, sourceName);
        if (!tokenizer.TryReadRecord(out var headerFields, out _))
        {
            throw new InvalidEvaluationDataException($"'{sourceName}' is empty; it needs a header row and at least one data row.");
        }

        var header = headerFields.Select(h => h.Trim()).ToList();
        if (header.All(h => double.TryParse(h, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            // A first line of numbers is a data row, not column names: taking it as the header would silently drop
            // a sample and name the columns "5.1", "3.5"...
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' has no header row: its first line ({string.Join(",", header.Take(4))}{(header.Count > 4 ? ",..." : string.Empty)}) is all numbers; add a first line naming the feature and label columns.");
        }
        var (labelIndex, featureIndices) = ResolveColumns(header, options, sourceName);

        var features = new List<float[]>();
        var labels = new List<string>();
        var lines = new List<int>();
        var missing = new List<string>();
        var missingRows = new SortedSet<int>();
        var badValues = new List<string>();
        var rowsRead = 0;
        while (tokenizer.TryReadRecord(out var fields, out var line))
        {
            if (fields.Count == 1 && fields[0].Trim().Length == 0)
            {
                continue;
            }

            rowsRead++;
            if (fields.Count != header.Count)
            {
                throw new InvalidEvaluationDataException(
                    $"'{sourceName}' line {line} has {fields.Count} fields but the header has {header.Count}; quote fields that contain commas and make every row as wide as the header.");
            }

            var row = new float[featureIndices.Length];
            for (var f = 0; f < featureIndices.Length; f++)
            {
                var cell = fields[featureIndices[f]].Trim();
                if (IsMissing(cell))
                {
                    missing.Add($"line {line} column '{header[featureIndices[f]]}'");
                    missingRows.Add(line);
                }
                else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    row[f] = (float)value;
                }
                else
                {
                    badValues.Add($"line {line} column '{header[featureIndices[f]]}' value '{cell}'");
                }
            }

            var label = string.Empty;
            if (labelIndex >= 0)
            {
                label = fields[labelIndex].Trim();
                if (IsMissing(label))
                {
                    missing.Add($"line {line} column '{header[labelIndex]}'");
                    missingRows.Add(line);
                }
            }

            features.Add(row);
            labels.Add(label);
            lines.Add(line);
        }

        if (badValues.Count > 0)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' has {badValues.Count} non-numeric feature value(s): {Listed(badValues)}. Feature columns must hold numbers written with '.' as the decimal point; fix the values or leave the column out of FeatureColumns.",
                badValues);
        }

        if (missing.Count > 0 && options.MissingValues == MissingValuePolicy.Error)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' has {missing.Count} missing value(s) in {missingRows.Count} row(s) (empty, NA, N/A, NaN, null or None): {Listed(missing)}. Fill them in, or set MissingValues to DropRows to drop those rows.",
                missing);
        }

        var keep = Enumerable.Range(0, features.Count).Where(i => !missingRows.Contains(lines[i])).ToList();
        if (keep.Count == 0)
        {
            throw new InvalidEvaluationDataException(
                rowsRead == 0
                    ? $"'{sourceName}' has a header but no data rows; add at least one sample."
                    : $"'{sourceName}': every one of its {rowsRead} rows has a missing value, so dropping them leaves nothing; fill in the missing values.");
        }

        var featureCount = featureIndices.Length;
        var flat = new float[(long)keep.Count * featureCount];
        for (var i = 0; i < keep.Count; i++)
        {
            features[keep[i]].CopyTo(flat, (long)i * featureCount);
        }

        var inputs = new Dictionary<string, DataArray>(StringComparer.Ordinal)
        {
            [options.InputName] = DataArray.FromFloats(flat, keep.Count, featureCount),
        };

        DataArray? labelArray = null;
        IReadOnlyList<string>? classNames = null;
        if (labelIndex >= 0)
        {
            var keptLabels = keep.Select(i => labels[i]).ToList();
            var keptLines = keep.Select(i => lines[i]).ToList();
            (labelArray, classNames) = options.Task == DatasetTask.Regression
                ? (RegressionLabels(keptLabels, keptLines, header[labelIndex], sourceName), null)
                : ClassLabels(keptLabels, keptLines, options.ClassNames, header[labelIndex], sourceName);
        }

        var dataset = new EvaluationDataset(inputs, labelArray, classNames, source: sourceName);
        return new CsvReadResult(
            dataset,
            missingRows.ToList(),
            featureIndices.Select(i => header[i]).ToList(),
            rowsRead);
    }

    private static (int LabelIndex, int[] FeatureIndices) ResolveColumns(List<string> header, CsvReadOptions options, string sourceName)
    {
        var problems = new List<string>();
        var duplicates = header.GroupBy(h => h, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            problems.Add($"the header repeats column(s) {Quoted(duplicates)}; give every column a unique name");
        }

        var available = $"available columns: {Quoted(header)}";
        var labelIndex = -1;
        if (options.LabelColumn is not null)
        {
            labelIndex = header.IndexOf(options.LabelColumn.Trim());
            if (labelIndex < 0)
            {
                problems.Add($"label column '{options.LabelColumn}' is not in the header; set LabelColumn to one of the {available}");
            }
        }

        int[] featureIndices;
        if (options.FeatureColumns is null)
        {
            featureIndices = Enumerable.Range(0, header.Count).Where(i => i != labelIndex).ToArray();
        }
        else
        {
            var unknown = options.FeatureColumns.Where(c => !header.Contains(c.Trim())).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"feature column(s) {Quoted(unknown)} are not in the header; use names from the {available}");
            }

            if (options.LabelColumn is not null && options.FeatureColumns.Any(c => c.Trim() == options.LabelColumn.Trim()))
            {
                problems.Add($"the label column '{options.LabelColumn}' is also listed as a feature; remove it from FeatureColumns");
            }

            featureIndices = options.FeatureColumns.Select(c => header.IndexOf(c.Trim())).Where(i => i >= 0).ToArray();
        }

        if (featureIndices.Length == 0 && problems.Count == 0)
        {
            problems.Add("no feature columns remain; the file needs at least one column besides the label");
        }

        if (options.Task == DatasetTask.Regression && options.ClassNames is not null)
        {
            problems.Add("ClassNames were given for a regression task; remove them or set Task to Classification");
        }

        if (problems.Count > 0)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' cannot be read: " + string.Join("; ", problems) + ".", problems);
        }

        return (labelIndex, featureIndices);
    }

    private static DataArray RegressionLabels(List<string> labels, List<int> lines, string column, string sourceName)
    {
        var values = new double[labels.Count];
        var bad = new List<string>();
        for (var i = 0; i < labels.Count; i++)
        {
            if (!double.TryParse(labels[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                bad.Add($"line {lines[i]} value '{labels[i]}'");
            }
        }

        if (bad.Count > 0)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' label column '{column}' has {bad.Count} non-numeric regression target(s): {Listed(bad)}. Regression labels must be numbers; fix them or set Task to Classification.",
                bad);
        }

        return DataArray.FromDoubles(values, values.Length);
    }

    private static (DataArray Labels, IReadOnlyList<string>? ClassNames) ClassLabels(
        List<string> labels, List<int> lines, IReadOnlyList<string>? classNames, string column, string sourceName)
    {
        var ids = new long[labels.Count];
        if (classNames is not null)
        {
            var byName = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < classNames.Count; i++)
            {
                if (!byName.TryAdd(classNames[i], i))
                {
                    throw new InvalidEvaluationDataException(
                        $"ClassNames lists '{classNames[i]}' twice; give each class once, in class-id order.");
                }
            }

            var unknown = new List<string>();
            for (var i = 0; i < labels.Count; i++)
            {
                if (byName.TryGetValue(labels[i], out var id))
                {
                    ids[i] = id;
                }
                else if (long.TryParse(labels[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var numeric) && numeric >= 0 && numeric < classNames.Count)
                {
                    // Integer ids alongside explicit names: the names describe the ids.
                    ids[i] = numeric;
                }
                else
                {
                    unknown.Add($"line {lines[i]} label '{labels[i]}'");
                }
            }

            if (unknown.Count > 0)
            {
                throw new InvalidEvaluationDataException(
                    $"'{sourceName}' label column '{column}' has {unknown.Count} label(s) not in ClassNames [{string.Join(", ", classNames)}]: {Listed(unknown)}. Add the missing classes to ClassNames or fix the labels.",
                    unknown);
            }

            return (DataArray.FromInt64s(ids, ids.Length), classNames);
        }

        var allIntegers = true;
        for (var i = 0; i < labels.Count && allIntegers; i++)
        {
            allIntegers = long.TryParse(labels[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ids[i]);
        }

        if (allIntegers)
        {
            var negative = Enumerable.Range(0, ids.Length).Where(i => ids[i] < 0).Select(i => $"line {lines[i]} label {labels[i]}").ToList();
            if (negative.Count > 0)
            {
                throw new InvalidEvaluationDataException(
                    $"'{sourceName}' label column '{column}' has negative class ids: {Listed(negative)}. Integer labels are used as class ids, so they must be 0 or more; remap them or give ClassNames.",
                    negative);
            }

            return (DataArray.FromInt64s(ids, ids.Length), null);
        }

        var names = labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => (long)p.i, StringComparer.Ordinal);
        for (var i = 0; i < labels.Count; i++)
        {
            ids[i] = index[labels[i]];
        }

        return (DataArray.FromInt64s(ids, ids.Length), names);
    }

    private static bool IsMissing(string cell) => MissingTokens.Any(t => string.Equals(t, cell, StringComparison.OrdinalIgnoreCase));

    private static string Listed(List<string> items) =>
        string.Join("; ", items.Take(MaxListed)) + (items.Count > MaxListed ? $"; ... and {items.Count - MaxListed} more" : string.Empty);

    private static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
