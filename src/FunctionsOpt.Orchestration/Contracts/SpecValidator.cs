using System.Globalization;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>
/// Validates optimization specs and reports every problem at once, each with its JSON path and the fix: first the
/// committed JSON Schema (types, ranges, allowed values, unknown properties), then the rules a schema cannot say
/// (exactly one of blob/path, metrics that suit the task, a stop rule for open-ended schedulers, known passes).
/// Sections with structural problems are skipped by the cross-field rules instead of hiding the other sections'
/// problems. An unknown <c>schemaVersion</c> is reported alone, since no other rule applies to an unknown format.
/// Thread-safe.
/// </summary>
public sealed class SpecValidator
{
    // A repeated key is refused: the parser would otherwise keep one of the two values silently, and which one a
    // reader sees is exactly the ambiguity a spec must not have.
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    // The document options tolerate comments and trailing commas, so the elements handed to the serializer may hold them.
    private static readonly JsonSerializerOptions ReadOptions = new(JsonDefaults.Options)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private readonly HashSet<string>? _knownPasses;

    /// <summary>Creates a validator; with <paramref name="knownPasses"/>, pass names outside it are reported too.</summary>
    public SpecValidator(IEnumerable<string>? knownPasses = null)
    {
        _knownPasses = knownPasses?.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A validator that checks pass names only for their form, not against a catalogue.</summary>
    public static SpecValidator Default { get; } = new();

    /// <summary>Validates spec JSON; the result holds every problem, or the parsed spec when there are none.</summary>
    public SpecValidationResult Validate(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}");
            return Fail(new SpecProblem("$", $"is not valid JSON ({where}: {ex.Message})", "fix the JSON syntax at that position"));
        }

        using (document)
        {
            return Validate(document.RootElement);
        }
    }

    /// <summary>Validates a spec built in code, with the same rules and paths as its JSON form.</summary>
    public SpecValidationResult Validate(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var document = JsonSerializer.SerializeToDocument(spec, JsonDefaults.Options);
        return Validate(document.RootElement);
    }

    /// <summary>Parses and validates spec JSON.</summary>
    /// <exception cref="InvalidSpecException">The spec has problems; all of them are listed.</exception>
    public OptimizationSpec Parse(string json)
    {
        var result = Validate(json);
        return result.Spec ?? throw new InvalidSpecException(result.Problems);
    }

    private SpecValidationResult Validate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Fail(new SpecProblem("$", "is not a JSON object", "write the spec as an object: { \"schemaVersion\": \"1.0\", \"model\": {...}, \"dataset\": {...} }"));
        }

        if (!root.TryGetProperty("schemaVersion", out var version))
        {
            return Fail(new SpecProblem("$.schemaVersion", "is missing, so the format cannot be known", $"add \"schemaVersion\": \"{OptimizationSpec.CurrentSchemaVersion}\""));
        }

        if (version.ValueKind != JsonValueKind.String || version.GetString() != OptimizationSpec.CurrentSchemaVersion)
        {
            return Fail(new SpecProblem(
                "$.schemaVersion",
                $"schema version {version.GetRawText()} is unknown; this service reads only \"{OptimizationSpec.CurrentSchemaVersion}\"",
                $"set \"schemaVersion\": \"{OptimizationSpec.CurrentSchemaVersion}\" and adapt the document to that format (see optimization-spec.schema.json)"));
        }

        var problems = new List<SpecProblem>();
        SpecSchema.Checker.Check(root, "$", problems);

        var sections = new Sections(root, problems);
        CheckModel(sections.Get<ModelReference>("model"), problems);
        var dataset = sections.Get<DatasetReference>("dataset");
        CheckDataset(dataset, problems);
        CheckObjective(sections.Get<ObjectiveSpec>("objective"), problems);
        CheckConstraints(sections.Get<ConstraintsSpec>("constraints"), dataset, problems);
        CheckSearch(sections.Get<SearchSpec>("search"), problems);
        CheckPasses(sections.Get<List<string>>("passes"), problems);

        if (problems.Count > 0)
        {
            return new SpecValidationResult { Problems = problems };
        }

        var spec = root.Deserialize<OptimizationSpec>(ReadOptions)
            ?? throw new InvalidOperationException("A schema-valid spec deserialized to null.");
        return new SpecValidationResult { Problems = [], Spec = spec };
    }

    private static void CheckModel(Section<ModelReference> model, List<SpecProblem> problems)
    {
        if (model.Value is { } m)
        {
            CheckSource(m.Blob, m.Path, "$.model", "the model", problems);
        }
    }

    private static void CheckDataset(Section<DatasetReference> section, List<SpecProblem> problems)
    {
        if (section.Value is not { } d)
        {
            return;
        }

        CheckSource(d.Blob, d.Path, "$.dataset", "the evaluation data", problems);
        var format = d.Format ?? InferFormat(d.Blob ?? d.Path);
        if (format is null && (d.Blob ?? d.Path) is { } file)
        {
            problems.Add(new("$.dataset.format", $"cannot be inferred from \"{file}\" (not .csv, .json, .npy or .npz)", "set \"format\" to \"csv\", \"manifest\", \"npy\" or \"npz\""));
        }

        if (format is DatasetFormat.Npy or DatasetFormat.Npz)
        {
            // Arrays carry their own shapes and dtypes; only the input name of a lone .npy may need saying.
            var csvOnly = new[] { ("labelColumn", d.LabelColumn is not null), ("featureColumns", d.FeatureColumns is not null), ("missingValues", d.MissingValues is not null) };
            foreach (var (name, present) in format == DatasetFormat.Npz ? csvOnly.Append(("input", d.Input is not null)) : csvOnly)
            {
                if (present)
                {
                    problems.Add(new("$.dataset." + name, $"does not apply to {Name(format.Value)} data", name == "input" ? "remove it: .npz entries are named after the model inputs they feed" : "remove it"));
                }
            }
        }

        if (format == DatasetFormat.Csv)
        {
            if (d.Input is null)
            {
                problems.Add(new("$.dataset.input", "is required for CSV data", "set it to the model input the feature columns feed"));
            }

            if (d.Task != EvaluationTask.Fidelity && d.LabelColumn is null)
            {
                problems.Add(new("$.dataset.labelColumn", $"is required for {Name(d.Task)} on CSV data", "name the label column, or use \"task\": \"fidelity\" to compare with the baseline's outputs"));
            }

            if (d.LabelColumn is not null && d.FeatureColumns?.Contains(d.LabelColumn, StringComparer.Ordinal) == true)
            {
                problems.Add(new("$.dataset.featureColumns", $"includes the label column \"{d.LabelColumn}\"", "remove the label column from the features"));
            }
        }
        else if (format == DatasetFormat.Manifest)
        {
            foreach (var (name, present) in new[] { ("input", d.Input is not null), ("labelColumn", d.LabelColumn is not null), ("featureColumns", d.FeatureColumns is not null), ("missingValues", d.MissingValues is not null) })
            {
                if (present)
                {
                    problems.Add(new("$.dataset." + name, "applies to CSV data only; a manifest carries its own input mapping", $"move it into the manifest (csv.{(name == "input" ? "input" : name)}) or remove it"));
                }
            }
        }

        if (d.Task != EvaluationTask.Classification)
        {
            foreach (var (name, present) in new[] { ("classNames", d.ClassNames is not null), ("scoreOutput", d.ScoreOutput is not null), ("scoreKind", d.ScoreKind is not null) })
            {
                if (present)
                {
                    problems.Add(new("$.dataset." + name, $"applies to classification only, but the task is {Name(d.Task)}", "remove it, or set \"task\": \"classification\""));
                }
            }
        }
    }

    private static void CheckObjective(Section<ObjectiveSpec> section, List<SpecProblem> problems)
    {
        if (section.Value is not { } o)
        {
            return;
        }

        if (o.Metric is null == o.Weights is null)
        {
            problems.Add(new("$.objective", o.Metric is null ? "has neither \"metric\" nor \"weights\"" : "has both \"metric\" and \"weights\"", "give exactly one: a single \"metric\" or a weighted mix in \"weights\""));
        }

        if (o.Direction is { } direction)
        {
            if (o.Metric is { } metric && metric.NaturalDirection() != direction)
            {
                problems.Add(new("$.objective.direction", $"{Name(metric)} cannot be {Name(direction)}d", $"remove \"direction\" or set it to \"{Name(metric.NaturalDirection())}\""));
            }
            else if (o.Weights is not null)
            {
                problems.Add(new("$.objective.direction", "does not apply to a weighted mix (the mix is always minimized, throughput inverted)", "remove \"direction\""));
            }
        }

        var weights = o.Weights ?? [];
        for (var i = 0; i < weights.Count; i++)
        {
            var first = weights.Take(i).ToList().FindIndex(w => w.Metric == weights[i].Metric);
            if (first >= 0)
            {
                problems.Add(new(Path("$.objective.weights", i, "metric"), $"repeats {Name(weights[i].Metric)} from item {first}", "give each metric one weight"));
            }
        }
    }

    private static void CheckConstraints(Section<ConstraintsSpec> section, Section<DatasetReference> dataset, List<SpecProblem> problems)
    {
        if (section.Value is not { } c)
        {
            return;
        }

        var task = dataset.Usable ? dataset.Value?.Task ?? EvaluationTask.Classification : (EvaluationTask?)null;
        for (var i = 0; i < c.Quality.Count; i++)
        {
            var q = c.Quality[i];
            var first = c.Quality.Take(i).ToList().FindIndex(x => x.Metric == q.Metric);
            if (first >= 0)
            {
                problems.Add(new(Path("$.constraints.quality", i, "metric"), $"repeats {Name(q.Metric)} from item {first}", "keep one constraint per metric"));
            }

            var needs = q.Metric switch
            {
                QualityMetric.Accuracy or QualityMetric.F1 or QualityMetric.Auc => EvaluationTask.Classification,
                QualityMetric.R2 => EvaluationTask.Regression,
                _ => (EvaluationTask?)null,
            };
            if (task is { } t && needs is { } n && n != t)
            {
                problems.Add(new(Path("$.constraints.quality", i, "metric"), $"{Name(q.Metric)} needs {Name(n)} data, but the task is {Name(t)}", $"use a metric of {Name(t)} or \"fidelity\", or change dataset.task"));
            }

            if (q.Mode == DropMode.Relative && q.MaxDrop > 1)
            {
                problems.Add(new(Path("$.constraints.quality", i, "maxDrop"), string.Create(CultureInfo.InvariantCulture, $"{q.MaxDrop} is a relative drop above 1 (100%)"), "give a fraction of the baseline such as 0.01 for 1%"));
            }
        }
    }

    private static void CheckSearch(Section<SearchSpec> section, List<SpecProblem> problems)
    {
        if (section.Value is not { } s)
        {
            return;
        }

        if (s.MinResource > s.MaxResource)
        {
            problems.Add(new("$.search.minResource", string.Create(CultureInfo.InvariantCulture, $"{s.MinResource} exceeds maxResource {s.MaxResource}"), "lower minResource or raise maxResource"));
        }

        if (s.Scheduler is SearchScheduler.Random or SearchScheduler.Asha && s.MaxTrials is null && s.MaxTotalResource is null && s.MaxWallTimeSeconds is null)
        {
            problems.Add(new("$.search", $"the {Name(s.Scheduler)} scheduler has no stop rule", "set maxTrials, maxTotalResource or maxWallTimeSeconds"));
        }
    }

    private void CheckPasses(Section<List<string>> section, List<SpecProblem> problems)
    {
        if (_knownPasses is null || section.Value is not { } passes)
        {
            return;
        }

        for (var i = 0; i < passes.Count; i++)
        {
            if (!_knownPasses.Contains(passes[i]))
            {
                problems.Add(new(Path("$.passes", i, null), $"\"{passes[i]}\" is not a registered pass", "use one of " + string.Join(", ", _knownPasses.Order(StringComparer.Ordinal).Select(p => $"\"{p}\""))));
            }
        }
    }

    private static void CheckSource(string? blob, string? path, string where, string what, List<SpecProblem> problems)
    {
        if (blob is null == path is null)
        {
            problems.Add(new(where, blob is null ? $"names neither \"blob\" nor \"path\" for {what}" : "has both \"blob\" and \"path\"", "give exactly one: \"blob\" (a name in the models container) or \"path\" (a local file)"));
        }

        if (blob is not null && ArtifactNames.CheckName(blob) is { } problem)
        {
            problems.Add(new(where + ".blob", $"\"{blob}\" is not a safe blob name: {problem}", "use a relative name inside the models container"));
        }
    }

    private static DatasetFormat? InferFormat(string? file) =>
        file is null ? null
        : file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? DatasetFormat.Csv
        : file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? DatasetFormat.Manifest
        : file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? DatasetFormat.Npy
        : file.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) ? DatasetFormat.Npz
        : null;

    /// <summary>The file extension (with the dot) the loader reads for a format, given or inferred from <paramref name="file"/>.</summary>
    internal static string? ExtensionOf(DatasetFormat? format, string? file) => (format ?? InferFormat(file)) switch
    {
        DatasetFormat.Csv => ".csv",
        DatasetFormat.Manifest => ".json",
        DatasetFormat.Npy => ".npy",
        DatasetFormat.Npz => ".npz",
        _ => null,
    };

    private static string Path(string array, int index, string? property) =>
        string.Create(CultureInfo.InvariantCulture, $"{array}[{index}]") + (property is null ? string.Empty : "." + property);

    private static string Name<T>(T value)
        where T : struct, Enum => JsonSerializer.Serialize(value, JsonDefaults.Options).Trim('"');

    private static SpecValidationResult Fail(SpecProblem problem) => new() { Problems = [problem] };

    /// <summary>One top-level section, deserialized only when the schema found nothing wrong inside it.</summary>
    private readonly record struct Section<T>(T? Value, bool Usable);

    private sealed class Sections(JsonElement root, List<SpecProblem> schemaProblems)
    {
        private readonly List<string> _brokenPaths = schemaProblems.Select(p => p.Path).ToList();

        public Section<T> Get<T>(string name)
            where T : class
        {
            var path = "$." + name;
            var broken = _brokenPaths.Any(p => p == path || p.StartsWith(path + ".", StringComparison.Ordinal) || p.StartsWith(path + "[", StringComparison.Ordinal));
            if (broken || !root.TryGetProperty(name, out var element))
            {
                // A missing optional section takes its default, which the other rules can still check.
                return broken ? new(null, false) : new(DefaultOf<T>(name), true);
            }

            return new(element.Deserialize<T>(ReadOptions), true);
        }

        private static T? DefaultOf<T>(string name)
            where T : class => name switch
            {
                "objective" => new OptimizationSpec { Model = new(), Dataset = new() }.Objective as T,
                "constraints" => new ConstraintsSpec() as T,
                "search" => new SearchSpec() as T,
                _ => null,
            };
    }
}
