using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// A small JSON file (camelCase) that ties data files to model input names, either as arrays
/// (<c>inputs</c>, <c>labels</c>, <c>classNames</c>, <c>referenceOutputs</c>) or as one CSV file (<c>csv</c>).
/// File paths are relative to the manifest's folder and may not leave it.
/// </summary>
public sealed class DatasetManifest
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // Two "labels" keys would silently keep one of them; which array feeds the model must not be a guess.
        AllowDuplicateProperties = false,
    };

    /// <summary>Arrays keyed by model input name.</summary>
    public Dictionary<string, ManifestArrayRef>? Inputs { get; set; }

    /// <summary>The labels array, if any.</summary>
    public ManifestArrayRef? Labels { get; set; }

    /// <summary>Class names in class-id order, if any.</summary>
    public List<string>? ClassNames { get; set; }

    /// <summary>Reference outputs keyed by model output name, if any.</summary>
    public Dictionary<string, ManifestArrayRef>? ReferenceOutputs { get; set; }

    /// <summary>The CSV form; exclusive with <see cref="Inputs"/>.</summary>
    public ManifestCsvSource? Csv { get; set; }

    /// <summary>Properties the manifest format does not define; reported as problems so typos are not ignored.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownProperties { get; set; }

    /// <summary>Reads and parses the manifest at <paramref name="path"/>; does not validate it.</summary>
    public static DatasetManifest ReadFile(string path, DataLimitsOptions? limits = null)
    {
        using var stream = DataFiles.OpenRead(path, limits ?? DataLimitsOptions.Default, "Manifest");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), Path.GetFileName(path));
    }

    /// <summary>Parses manifest JSON; does not validate it (see <see cref="Validate"/>).</summary>
    public static DatasetManifest Parse(string json, string sourceName = "manifest")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<DatasetManifest>(json, JsonOptions)
                ?? throw new InvalidEvaluationDataException($"Manifest '{sourceName}' is JSON null; write an object with \"inputs\" or \"csv\".");
        }
        catch (JsonException ex)
        {
            throw new InvalidEvaluationDataException(
                $"Manifest '{sourceName}' is not valid manifest JSON ({ex.Message}); write an object such as {{\"inputs\": {{\"x\": {{\"file\": \"x.npy\"}}}}}}.", innerException: ex);
        }
    }

    /// <summary>
    /// Every problem with the manifest at once (empty when it is usable): structure, unknown properties, unsafe or
    /// missing files, wrong extensions, and bad CSV settings. <paramref name="baseDirectory"/> is the manifest's folder.
    /// </summary>
    public IReadOnlyList<string> Validate(string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(baseDirectory);
        var problems = new List<string>();
        AddUnknown(problems, UnknownProperties, "the manifest", "inputs, labels, classNames, referenceOutputs, csv");

        if (Inputs is null && Csv is null)
        {
            problems.Add("the manifest has neither \"inputs\" nor \"csv\"; add one of them");
        }

        if (Inputs is not null && Csv is not null)
        {
            problems.Add("the manifest has both \"inputs\" and \"csv\"; keep only one form");
        }

        if (Inputs is not null)
        {
            if (Inputs.Count == 0)
            {
                problems.Add("\"inputs\" is empty; map at least one model input name to a file");
            }

            foreach (var (name, reference) in Inputs)
            {
                ValidateRef(problems, reference, $"inputs.{name}", baseDirectory);
            }

            if (Labels is not null)
            {
                ValidateRef(problems, Labels, "labels", baseDirectory);
            }

            foreach (var (name, reference) in ReferenceOutputs ?? [])
            {
                ValidateRef(problems, reference, $"referenceOutputs.{name}", baseDirectory);
            }
        }
        else if (Labels is not null || ReferenceOutputs is not null)
        {
            problems.Add("\"labels\" and \"referenceOutputs\" only apply to the \"inputs\" form; for CSV set csv.labelColumn");
        }

        ValidateClassNames(problems, ClassNames, "classNames");
        if (Csv is not null)
        {
            ValidateCsv(problems, Csv, baseDirectory);
        }

        return problems;
    }

    /// <summary>
    /// Every file the manifest names (inputs, labels, reference outputs, CSV), relative to its folder, once each and
    /// unchecked: a service fetching them next to the manifest must refuse unsafe names itself.
    /// </summary>
    public IReadOnlyList<string> ReferencedFiles()
    {
        var files = new List<string?>();
        files.AddRange(Inputs?.Values.Select(r => r?.File) ?? []);
        files.Add(Labels?.File);
        files.AddRange(ReferenceOutputs?.Values.Select(r => r?.File) ?? []);
        files.Add(Csv?.File);
        return files.OfType<string>().Where(f => f.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The full path of <paramref name="file"/> under <paramref name="baseDirectory"/>, or null when it escapes.</summary>
    internal static string? ResolveInside(string baseDirectory, string file)
    {
        if (Path.IsPathRooted(file) || file.Contains(':', StringComparison.Ordinal))
        {
            return null;
        }

        var root = Path.GetFullPath(baseDirectory);
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, file));
        return full.StartsWith(rootWithSeparator, StringComparison.Ordinal) ? full : null;
    }

    internal static CsvReadOptions ToCsvOptions(ManifestCsvSource csv, IReadOnlyList<string>? topLevelClassNames) => new()
    {
        LabelColumn = csv.LabelColumn,
        FeatureColumns = csv.FeatureColumns,
        InputName = csv.Input,
        Task = ParseTask(csv.Task) ?? DatasetTask.Classification,
        MissingValues = ParseMissing(csv.MissingValues) ?? MissingValuePolicy.Error,
        ClassNames = csv.ClassNames ?? topLevelClassNames,
    };

    private static DatasetTask? ParseTask(string? task) => task?.ToLowerInvariant() switch
    {
        null or "classification" => DatasetTask.Classification,
        "regression" => DatasetTask.Regression,
        _ => null,
    };

    private static MissingValuePolicy? ParseMissing(string? policy) => policy?.ToLowerInvariant() switch
    {
        null or "error" => MissingValuePolicy.Error,
        "droprows" => MissingValuePolicy.DropRows,
        _ => null,
    };

    private static void ValidateRef(List<string> problems, ManifestArrayRef? reference, string where, string baseDirectory)
    {
        if (reference is null)
        {
            problems.Add($"{where} is null; give it {{\"file\": \"...\"}}");
            return;
        }

        AddUnknown(problems, reference.UnknownProperties, where, "file, array");
        var path = ValidateFile(problems, reference.File, where, baseDirectory, [".npy", ".npz"]);
        if (path is null)
        {
            return;
        }

        var isNpz = path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);
        if (isNpz && string.IsNullOrWhiteSpace(reference.Array))
        {
            problems.Add($"{where} points at the archive '{reference.File}' but names no array; add \"array\": \"<entry name>\"");
        }
        else if (!isNpz && reference.Array is not null)
        {
            problems.Add($"{where} names array '{reference.Array}' but '{reference.File}' is a single .npy array; remove \"array\" or point at an .npz file");
        }
    }

    private static void ValidateCsv(List<string> problems, ManifestCsvSource csv, string baseDirectory)
    {
        AddUnknown(problems, csv.UnknownProperties, "csv", "file, labelColumn, featureColumns, input, task, missingValues, classNames");
        ValidateFile(problems, csv.File, "csv", baseDirectory, [".csv"]);
        if (string.IsNullOrWhiteSpace(csv.Input))
        {
            problems.Add("csv.input is missing; set it to the model input the feature columns feed");
        }

        if (ParseTask(csv.Task) is null)
        {
            problems.Add($"csv.task '{csv.Task}' is not supported; use \"classification\" or \"regression\"");
        }

        if (ParseMissing(csv.MissingValues) is null)
        {
            problems.Add($"csv.missingValues '{csv.MissingValues}' is not supported; use \"error\" or \"dropRows\"");
        }

        if (csv.FeatureColumns is { Count: 0 })
        {
            problems.Add("csv.featureColumns is empty; list the feature columns or leave it out to use every non-label column");
        }

        ValidateClassNames(problems, csv.ClassNames, "csv.classNames");
    }

    private static string? ValidateFile(List<string> problems, string? file, string where, string baseDirectory, string[] extensions)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            problems.Add($"{where}.file is missing; give a path relative to the manifest's folder");
            return null;
        }

        var path = ResolveInside(baseDirectory, file);
        if (path is null)
        {
            problems.Add($"{where}.file '{file}' leaves the manifest's folder (absolute paths and '..' are refused); put the file next to the manifest and use a relative path");
            return null;
        }

        if (!extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add($"{where}.file '{file}' must end in {string.Join(" or ", extensions)}; convert the data to that format");
            return null;
        }

        if (!File.Exists(path))
        {
            problems.Add($"{where}.file '{file}' does not exist in the manifest's folder; check the name");
            return null;
        }

        return path;
    }

    private static void ValidateClassNames(List<string> problems, List<string>? names, string where)
    {
        var repeated = names?.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated is { Count: > 0 })
        {
            problems.Add($"{where} repeats {string.Join(", ", repeated.Select(n => $"'{n}'"))}; list each class once, in class-id order");
        }
    }

    private static void AddUnknown(List<string> problems, Dictionary<string, JsonElement>? unknown, string where, string allowed)
    {
        foreach (var key in unknown?.Keys ?? Enumerable.Empty<string>())
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{where} has unknown property \"{key}\"; allowed: {allowed}"));
        }
    }
}

/// <summary>A reference to one array: a <c>.npy</c> file, or an entry of a <c>.npz</c> file.</summary>
public sealed class ManifestArrayRef
{
    /// <summary>Path relative to the manifest's folder.</summary>
    public string? File { get; set; }

    /// <summary>Entry name inside an <c>.npz</c> (without <c>.npy</c>); must be absent for <c>.npy</c> files.</summary>
    public string? Array { get; set; }

    /// <summary>Properties the format does not define (reported as problems).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownProperties { get; set; }
}

/// <summary>The CSV form of a manifest; mirrors <see cref="CsvReadOptions"/>.</summary>
public sealed class ManifestCsvSource
{
    /// <summary>Path relative to the manifest's folder.</summary>
    public string? File { get; set; }

    /// <summary>The label column, if any.</summary>
    public string? LabelColumn { get; set; }

    /// <summary>Feature columns in model order; all non-label columns when absent.</summary>
    public List<string>? FeatureColumns { get; set; }

    /// <summary>The model input the features feed.</summary>
    public string? Input { get; set; }

    /// <summary><c>classification</c> (default) or <c>regression</c>.</summary>
    public string? Task { get; set; }

    /// <summary><c>error</c> (default) or <c>dropRows</c>.</summary>
    public string? MissingValues { get; set; }

    /// <summary>Class names in class-id order, if any.</summary>
    public List<string>? ClassNames { get; set; }

    /// <summary>Properties the format does not define (reported as problems).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownProperties { get; set; }
}
