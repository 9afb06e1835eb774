using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Data;

/// <summary>How <see cref="DatasetLoader"/> maps a data file onto model inputs.</summary>
public sealed class DatasetLoadOptions
{
    /// <summary>The model input a single <c>.npy</c> (or CSV features) feeds; may be omitted when the model has one input.</summary>
    public string? InputName { get; set; }

    /// <summary>The model's inputs, used to pick the input for a single array; optional.</summary>
    public IReadOnlyList<TensorInfo>? ModelInputs { get; set; }

    /// <summary>The <c>.npz</c> entry holding labels; when null, an entry named <c>labels</c> or <c>label</c> is used if present.</summary>
    public string? LabelsArray { get; set; }

    /// <summary>Class names in class-id order for labels read from arrays.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>CSV settings; required for <c>.csv</c> files (at least the label column, if any).</summary>
    public CsvReadOptions? Csv { get; set; }

    /// <summary>Size limits for every file read.</summary>
    public DataLimitsOptions Limits { get; set; } = new();
}

/// <summary>A loaded dataset plus what loading did that a report should mention.</summary>
public sealed class DatasetLoadResult
{
    /// <summary>Creates the result.</summary>
    public DatasetLoadResult(EvaluationDataset dataset, IReadOnlyList<int> droppedRows)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(droppedRows);
        Dataset = dataset;
        DroppedRows = droppedRows;
    }

    /// <summary>The dataset.</summary>
    public EvaluationDataset Dataset { get; }

    /// <summary>CSV line numbers dropped for missing values (empty for array data).</summary>
    public IReadOnlyList<int> DroppedRows { get; }
}

/// <summary>
/// One entry point for evaluation data: <c>.npy</c>, <c>.npz</c>, <c>.csv</c> or a <c>.json</c> manifest, chosen by
/// extension. Every failure is an <see cref="InvalidEvaluationDataException"/>. Thread-safe (stateless). It does not
/// check the data against a model; use <see cref="DatasetModelValidator"/> for that.
/// </summary>
public static class DatasetLoader
{
    private static readonly string[] DefaultLabelNames = ["labels", "label"];

    /// <summary>Loads the dataset at <paramref name="path"/>.</summary>
    public static EvaluationDataset Load(string path, DatasetLoadOptions? options = null) => LoadWithDetails(path, options).Dataset;

    /// <summary>Loads the dataset at <paramref name="path"/> and reports rows dropped on the way.</summary>
    public static DatasetLoadResult LoadWithDetails(string path, DatasetLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new DatasetLoadOptions();
        var extension = Path.GetExtension(path).ToUpperInvariant();
        var result = extension switch
        {
            ".NPY" => new DatasetLoadResult(LoadNpy(path, options), []),
            ".NPZ" => new DatasetLoadResult(LoadNpz(path, options), []),
            ".CSV" => LoadCsv(path, options),
            ".JSON" => LoadManifest(path, options),
            _ => throw new InvalidEvaluationDataException(
                $"'{DisplayName(path)}' has extension '{Path.GetExtension(path)}', which is not a supported data format; use .npy, .npz, .csv or a .json manifest."),
        };

        // Every metric divides by the sample count and a profile cycles rows to fill a batch: no rows is no data.
        if (result.Dataset.Count == 0)
        {
            throw new InvalidEvaluationDataException(
                $"'{DisplayName(path)}' holds no samples (axis 0 has length 0{(result.DroppedRows.Count > 0 ? $"; {result.DroppedRows.Count} row(s) were dropped for missing values" : string.Empty)}); add at least one sample.");
        }

        return result;
    }

    /// <summary>
    /// Whether the data at <paramref name="path"/> carries labels, read cheaply: a CSV is assumed to (its label
    /// column), an <c>.npz</c> has an entry <c>labels</c> or <c>label</c>, a manifest names labels or a CSV label
    /// column, and a lone <c>.npy</c> has a sibling <c>NAME.labels.npy</c>. Used to choose between accuracy and fidelity-only evaluation.
    /// </summary>
    public static bool HasLabels(string path, DataLimitsOptions? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        switch (Path.GetExtension(path).ToUpperInvariant())
        {
            case ".CSV":
                return true;
            case ".NPZ":
                if (!File.Exists(path))
                {
                    return false;
                }

                try
                {
                    using var archive = System.IO.Compression.ZipFile.OpenRead(path);
                    return archive.Entries.Any(e => DefaultLabelNames.Any(n => e.FullName.Equals(n + ".npy", StringComparison.Ordinal)));
                }
                catch (InvalidDataException)
                {
                    return false;
                }

            case ".NPY":
                return File.Exists(NpyLabelsPath(path));
            case ".JSON":
                if (!File.Exists(path))
                {
                    return false;
                }

                var manifest = DatasetManifest.ReadFile(path, limits);
                return manifest.Labels is not null || manifest.Csv?.LabelColumn is not null;
            default:
                return false;
        }
    }

    /// <summary>
    /// Where the labels of a lone <c>.npy</c> live: a sibling named after it, <c>eval.npy</c> → <c>eval.labels.npy</c>
    /// (a second array file is the only place an .npy's labels can go without a manifest).
    /// </summary>
    public static string NpyLabelsPath(string npyPath)
    {
        ArgumentNullException.ThrowIfNull(npyPath);
        return Path.Combine(Path.GetDirectoryName(npyPath) ?? string.Empty, Path.GetFileNameWithoutExtension(npyPath) + ".labels.npy");
    }

    /// <summary>The file name alone: messages name the user's file without the folder it was staged in on a server.</summary>
    internal static string DisplayName(string path) => Path.GetFileName(path);

    private static EvaluationDataset LoadNpy(string path, DatasetLoadOptions options)
    {
        var inputName = SingleInputName(options.InputName, options.ModelInputs, path);
        var array = NpyReader.ReadFile(path, options.Limits);
        var labelsPath = NpyLabelsPath(path);
        var labels = File.Exists(labelsPath) ? NpyReader.ReadFile(labelsPath, options.Limits) : null;
        return Build(new Dictionary<string, DataArray>(StringComparer.Ordinal) { [inputName] = array }, labels, options.ClassNames, null, DisplayName(path));
    }

    private static EvaluationDataset LoadNpz(string path, DatasetLoadOptions options)
    {
        var arrays = NpzReader.ReadFile(path, options.Limits);
        string? labelName;
        if (options.LabelsArray is not null)
        {
            labelName = options.LabelsArray;
            if (!arrays.ContainsKey(labelName))
            {
                throw new InvalidEvaluationDataException(
                    $"'{DisplayName(path)}' has no entry '{labelName}' for labels (entries: {string.Join(", ", arrays.Keys)}); set LabelsArray to one of them or save the labels under that name.");
            }
        }
        else
        {
            var candidates = DefaultLabelNames.Where(arrays.ContainsKey).ToList();
            if (candidates.Count > 1)
            {
                throw new InvalidEvaluationDataException(
                    $"'{DisplayName(path)}' has both 'labels' and 'label' entries; set LabelsArray to say which one holds the labels.");
            }

            labelName = candidates.FirstOrDefault();
        }

        var inputs = arrays.Where(kv => kv.Key != labelName).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (inputs.Count == 0)
        {
            throw new InvalidEvaluationDataException($"'{DisplayName(path)}' holds only labels; add the model inputs as entries named after them.");
        }

        return Build(inputs, labelName is null ? null : arrays[labelName], options.ClassNames, null, DisplayName(path));
    }

    private static DatasetLoadResult LoadCsv(string path, DatasetLoadOptions options)
    {
        var given = options.Csv ?? new CsvReadOptions();
        var csv = new CsvReadOptions
        {
            LabelColumn = given.LabelColumn,
            FeatureColumns = given.FeatureColumns,
            InputName = given.InputName ?? SingleInputName(options.InputName, options.ModelInputs, path),
            Task = given.Task,
            MissingValues = given.MissingValues,
            ClassNames = given.ClassNames ?? options.ClassNames,
        };

        var result = CsvDatasetReader.ReadFile(path, csv, options.Limits);
        return new DatasetLoadResult(result.Dataset, result.DroppedRows);
    }

    private static DatasetLoadResult LoadManifest(string path, DatasetLoadOptions options)
    {
        var manifest = DatasetManifest.ReadFile(path, options.Limits);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var problems = manifest.Validate(folder);
        if (problems.Count > 0)
        {
            throw new InvalidEvaluationDataException(
                $"Manifest '{DisplayName(path)}' has {problems.Count} problem(s): " + string.Join("; ", problems) + ".", problems);
        }

        if (manifest.Csv is not null)
        {
            var csvPath = DatasetManifest.ResolveInside(folder, manifest.Csv.File!)!;
            var result = CsvDatasetReader.ReadFile(csvPath, DatasetManifest.ToCsvOptions(manifest.Csv, manifest.ClassNames), options.Limits);
            return new DatasetLoadResult(result.Dataset, result.DroppedRows);
        }

        // Archives are read once however many arrays the manifest takes from them.
        var archives = new Dictionary<string, IReadOnlyDictionary<string, DataArray>>(StringComparer.Ordinal);
        DataArray Resolve(ManifestArrayRef reference, string where)
        {
            var file = DatasetManifest.ResolveInside(folder, reference.File!)!;
            if (reference.Array is null)
            {
                return NpyReader.ReadFile(file, options.Limits);
            }

            if (!archives.TryGetValue(file, out var arrays))
            {
                arrays = NpzReader.ReadFile(file, options.Limits);
                archives[file] = arrays;
            }

            return arrays.TryGetValue(reference.Array, out var array)
                ? array
                : throw new InvalidEvaluationDataException(
                    $"Manifest '{DisplayName(path)}': {where} names array '{reference.Array}', which '{reference.File}' does not contain (entries: {string.Join(", ", arrays.Keys)}); fix the name.");
        }

        var inputs = manifest.Inputs!.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value, $"inputs.{kv.Key}"), StringComparer.Ordinal);
        var labels = manifest.Labels is null ? null : Resolve(manifest.Labels, "labels");
        var references = manifest.ReferenceOutputs?.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value, $"referenceOutputs.{kv.Key}"), StringComparer.Ordinal);
        return new DatasetLoadResult(Build(inputs, labels, manifest.ClassNames ?? options.ClassNames, references, DisplayName(path)), []);
    }

    private static string SingleInputName(string? inputName, IReadOnlyList<TensorInfo>? modelInputs, string path)
    {
        if (!string.IsNullOrWhiteSpace(inputName))
        {
            return inputName;
        }

        if (modelInputs is { Count: 1 })
        {
            return modelInputs[0].Name;
        }

        var known = modelInputs is null ? "the model inputs are not known" : $"the model has inputs {string.Join(", ", modelInputs.Select(i => $"'{i.Name}'"))}";
        throw new InvalidEvaluationDataException(
            $"'{DisplayName(path)}' feeds a single model input but no input name was given and {known}; set InputName, or use an .npz or manifest that names every input.");
    }

    private static EvaluationDataset Build(
        Dictionary<string, DataArray> inputs,
        DataArray? labels,
        IReadOnlyList<string>? classNames,
        Dictionary<string, DataArray>? references,
        string source)
    {
        var problems = new List<string>();
        var rows = inputs.Values.First().Rows;
        foreach (var (name, array) in inputs)
        {
            if (array.Rank == 0)
            {
                problems.Add($"input '{name}' is a scalar; axis 0 must be the sample axis, so save it with shape (N, ...)");
            }
            else if (array.Rows != rows)
            {
                problems.Add($"input '{name}' has {array.Rows} rows but '{inputs.Keys.First()}' has {rows}; every array needs the same number of samples on axis 0");
            }
        }

        if (labels is not null && (labels.Rank == 0 || labels.Rows != rows))
        {
            problems.Add($"labels have shape {labels.ShapeText} but the inputs have {rows} rows; save one label per sample");
        }

        foreach (var (name, array) in references ?? [])
        {
            if (array.Rank == 0 || array.Rows != rows)
            {
                problems.Add($"reference output '{name}' has shape {array.ShapeText} but the inputs have {rows} rows; save one reference row per sample");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidEvaluationDataException($"'{source}' is inconsistent: " + string.Join("; ", problems) + ".", problems);
        }

        return new EvaluationDataset(inputs, labels, classNames, references, source);
    }
}
