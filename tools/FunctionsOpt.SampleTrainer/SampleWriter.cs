using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using static System.FormattableString;

namespace FunctionsOpt.SampleTrainer;

/// <summary>Writes eval.csv, train.csv, metadata.json and README.md next to model.onnx.</summary>
internal static class SampleWriter
{
    public const string ModelFile = "model.onnx";
    public const string EvalFile = "eval.csv";
    public const string TrainFile = "train.csv";
    public const string MetadataFile = "metadata.json";
    public const string ReadmeFile = "README.md";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NewLine = "\n",

        // Readable "&&", "->" and apostrophes; the file is data on disk, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the files and returns their paths.</summary>
    public static IReadOnlyList<string> WriteAll(RunSummary run)
    {
        string dir = run.Options.OutputDirectory;
        byte[] evalCsv = Csv(run.Split.Eval);
        byte[] trainCsv = Csv(run.Split.Train);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [EvalFile] = evalCsv,
            [TrainFile] = trainCsv,
        };

        string command = RegenerateCommand(run.Options);
        string metadata = Metadata(run, evalCsv, trainCsv, command).ToJsonString(JsonOptions) + "\n";
        files[MetadataFile] = Utf8NoBom.GetBytes(metadata);
        files[ReadmeFile] = Utf8NoBom.GetBytes(Readme(run, command));

        var written = new List<string>();
        foreach (var (name, bytes) in files)
        {
            string path = Path.Combine(dir, name);
            File.WriteAllBytes(path, bytes);
            written.Add(path);
        }

        return written;
    }

    public static string RegenerateCommand(TrainerOptions options)
    {
        var builder = new StringBuilder("npm install && dotnet run --project tools/FunctionsOpt.SampleTrainer --");
        if (options.Arguments.Count == 0)
        {
            builder.Append(" --out ").Append(TrainerOptions.DefaultOutputDirectory);
        }

        foreach (string argument in options.Arguments)
        {
            builder.Append(' ').Append(argument.Contains(' ', StringComparison.Ordinal) ? $"\"{argument}\"" : argument);
        }

        return builder.ToString();
    }

    private static byte[] Csv(IReadOnlyList<PenguinRow> rows)
    {
        var builder = new StringBuilder();
        builder.Append(string.Join(",", PenguinData.FeatureColumns)).Append(",species\n");
        foreach (var row in rows)
        {
            foreach (double value in row.Features)
            {
                builder.Append(PenguinData.FormatValue(value)).Append(',');
            }

            builder.Append(row.Species).Append('\n');
        }

        return Utf8NoBom.GetBytes(builder.ToString());
    }

    private static (string? Name, string? Version) SourcePackage(string dataPath)
    {
        // node_modules/vega-datasets/data/penguins.json -> node_modules/vega-datasets/package.json
        string? dataDir = Path.GetDirectoryName(Path.GetFullPath(dataPath));
        string? packageJson = dataDir is null ? null : Path.Combine(dataDir, "..", "package.json");
        if (packageJson is null || !File.Exists(packageJson))
        {
            return (null, null);
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(packageJson));
        var root = document.RootElement;
        string? name = root.TryGetProperty("name", out var n) ? n.GetString() : null;
        string? version = root.TryGetProperty("version", out var v) ? v.GetString() : null;
        return (name, version);
    }

    private static JsonObject PerClass(IReadOnlyList<PenguinRow> rows, IReadOnlyList<string> classes)
    {
        var result = new JsonObject();
        for (int c = 0; c < classes.Count; c++)
        {
            result[classes[c]] = rows.Count(r => r.ClassId == c);
        }

        return result;
    }

    /// <summary>confusion[true][predicted], from ONNX Runtime's argmax.</summary>
    private static int[][] Confusion(IReadOnlyList<PenguinRow> rows, VerificationResult result, int classes)
    {
        var matrix = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        for (int r = 0; r < rows.Count; r++)
        {
            float[] p = result.OrtProbabilities[r];
            int best = 0;
            for (int k = 1; k < p.Length; k++)
            {
                if (p[k] > p[best])
                {
                    best = k;
                }
            }

            matrix[rows[r].ClassId][best]++;
        }

        return matrix;
    }

    private static JsonObject Metadata(RunSummary run, byte[] evalCsv, byte[] trainCsv, string command)
    {
        var data = run.Data;
        var classes = data.Classes;
        var (packageName, packageVersion) = SourcePackage(run.Options.DataPath);
        int parameterCount = 0;
        for (int l = 0; l + 1 < run.LayerSizes.Length; l++)
        {
            parameterCount += (run.LayerSizes[l] * run.LayerSizes[l + 1]) + run.LayerSizes[l + 1];
        }

        var features = new JsonArray();
        for (int f = 0; f < PenguinData.FeatureColumns.Count; f++)
        {
            features.Add(new JsonObject
            {
                ["column"] = PenguinData.FeatureColumns[f],
                ["source_field"] = PenguinData.FeatureFields[f],
                ["train_mean"] = run.Mean[f],
                ["train_std"] = run.Std[f],
            });
        }

        var droppedRows = new JsonArray();
        foreach (var dropped in data.Dropped)
        {
            droppedRows.Add(new JsonObject
            {
                ["source_index"] = dropped.SourceIndex,
                ["species"] = dropped.Species,
                ["missing"] = new JsonArray(dropped.MissingFields.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
                ["reason"] = dropped.Reason,
            });
        }

        var confusion = new JsonArray(
            Confusion(run.Split.Eval, run.Eval, classes.Count)
                .Select(row => (JsonNode?)new JsonArray(row.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()))
                .ToArray());

        return new JsonObject
        {
            ["description"] = "Penguin species classifier (MLP) and its held-out evaluation data, made by tools/FunctionsOpt.SampleTrainer.",
            ["command"] = command,
            ["source"] = new JsonObject
            {
                ["package"] = packageName,
                ["package_version"] = packageVersion,
                ["file"] = run.Options.DataPath.Replace('\\', '/'),
                ["sha256"] = TrainingRun.Sha256(File.ReadAllBytes(run.Options.DataPath)),
                ["rows"] = data.SourceRowCount,
            },
            ["rows_dropped"] = new JsonObject
            {
                ["count"] = data.Dropped.Count,
                ["rule"] = "A row is dropped when its species or any of the four feature fields is null or absent. " +
                    "Other fields (island, sex) are not used, so their nulls do not drop a row.",
                ["rows"] = droppedRows,
            },
            ["rows_used"] = data.Rows.Count,
            ["class_order"] = new JsonArray(classes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["features"] = features,
            ["split"] = new JsonObject
            {
                ["method"] = "Stratified by species: each species' rows are shuffled (SplitMix64) and the first " +
                    "round(count * train_fraction) go to training, the rest to held-out evaluation. CSV rows keep source order.",
                ["train_fraction"] = run.Options.TrainFraction,
                ["train_rows"] = run.Split.Train.Count,
                ["eval_rows"] = run.Split.Eval.Count,
                ["train_rows_per_class"] = PerClass(run.Split.Train, classes),
                ["eval_rows_per_class"] = PerClass(run.Split.Eval, classes),
            },
            ["training"] = new JsonObject
            {
                ["seed"] = run.Options.Seed,
                ["prng"] = "SplitMix64; split, initialisation and shuffling use three streams seeded in that order from the seed",
                ["epochs"] = run.Options.Epochs,
                ["batch_size"] = run.Options.BatchSize,
                ["optimizer"] = "Adam",
                ["learning_rate"] = run.Adam.LearningRate,
                ["beta1"] = run.Adam.Beta1,
                ["beta2"] = run.Adam.Beta2,
                ["epsilon"] = run.Adam.Epsilon,
                ["initialisation"] = "He normal weights (std sqrt(2 / fan_in)), zero biases",
                ["loss"] = "softmax cross-entropy, averaged over each mini-batch",
                ["arithmetic"] = "double precision, single thread, fixed order; parameters rounded to float32 for export",
                ["final_epoch_mean_loss"] = run.FinalLoss,
            },
            ["model"] = new JsonObject
            {
                ["file"] = ModelFile,
                ["sha256"] = TrainingRun.Sha256(run.ModelBytes),
                ["bytes"] = run.ModelBytes.Length,
                ["architecture"] = Invariant($"Sub(mean) -> Div(std) -> Gemm {run.LayerSizes[0]}x{run.LayerSizes[1]} -> Relu -> Gemm {run.LayerSizes[1]}x{run.LayerSizes[2]} -> Relu -> Gemm {run.LayerSizes[2]}x{run.LayerSizes[3]} -> Softmax(axis=1)"),
                ["parameters"] = parameterCount,
                ["input"] = new JsonObject
                {
                    ["name"] = OnnxExporter.InputName,
                    ["type"] = "float32",
                    ["shape"] = new JsonArray(OnnxExporter.BatchDimension, run.LayerSizes[0]),
                    ["columns"] = new JsonArray(PenguinData.FeatureColumns.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                    ["note"] = "raw, unstandardized values; standardization is inside the graph",
                },
                ["output"] = new JsonObject
                {
                    ["name"] = OnnxExporter.OutputName,
                    ["type"] = "float32",
                    ["shape"] = new JsonArray(OnnxExporter.BatchDimension, run.LayerSizes[^1]),
                    ["columns"] = new JsonArray(classes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                },
                ["opset"] = OnnxExporter.OpsetVersion,
                ["ir_version"] = OnnxExporter.IrVersion,
                ["producer_name"] = OnnxExporter.ProducerName,
                ["producer_version"] = TrainingRun.ToolVersion,
            },
            ["evaluation"] = new JsonObject
            {
                ["runtime"] = "ONNX Runtime (Microsoft.ML.OnnxRuntime, CPU), InferenceSession on the written model.onnx",
                ["heldout_accuracy"] = run.Eval.Accuracy,
                ["heldout_correct"] = run.Eval.Correct,
                ["heldout_total"] = run.Eval.Total,
                ["heldout_accuracy_text"] = Invariant($"{run.Eval.Correct}/{run.Eval.Total}"),
                ["heldout_confusion"] = confusion,
                ["heldout_confusion_layout"] = "rows: true class, columns: predicted class, both in class_order",
                ["train_accuracy"] = run.Train.Accuracy,
                ["train_correct"] = run.Train.Correct,
                ["train_total"] = run.Train.Total,
                ["train_accuracy_text"] = Invariant($"{run.Train.Correct}/{run.Train.Total}"),
                ["max_abs_diff_heldout"] = run.Eval.MaxAbsDiff,
                ["max_abs_diff_train"] = run.Train.MaxAbsDiff,
                ["max_abs_diff_note"] = "largest |ONNX Runtime probability - trainer forward pass probability|",
                ["tolerance"] = run.Tolerance,
            },
            ["files"] = new JsonObject
            {
                [EvalFile] = TrainingRun.Sha256(evalCsv),
                [TrainFile] = TrainingRun.Sha256(trainCsv),
            },
        };
    }

    private static string Readme(RunSummary run, string command)
    {
        var classes = run.Data.Classes;
        var sb = new StringBuilder();
        void Line(string text = "") => sb.Append(text).Append('\n');
        string classList = string.Join(", ", classes.Select((c, i) => Invariant($"{i} = {c}")));
        string sizes = string.Join(" -> ", run.LayerSizes);

        Line("# Penguins sample model");
        Line();
        Line("A small, real ONNX classifier and its held-out evaluation data, for tests, demos and benchmarks of");
        Line("FunctionsOpt. Every file here is written by `tools/FunctionsOpt.SampleTrainer`; this README included.");
        Line("Do not edit them by hand: change the trainer and regenerate.");
        Line();
        Line("| File | Content |");
        Line("| --- | --- |");
        Line(Invariant($"| `{ModelFile}` | MLP {sizes}, float32, opset {OnnxExporter.OpsetVersion}, IR {OnnxExporter.IrVersion}, producer `{OnnxExporter.ProducerName}` |"));
        Line(Invariant($"| `{EvalFile}` | the {run.Split.Eval.Count} held-out rows (never used for training or standardization) |"));
        Line(Invariant($"| `{TrainFile}` | the {run.Split.Train.Count} training rows |"));
        Line(Invariant($"| `{MetadataFile}` | seed, hyper-parameters, dropped rows, split counts, accuracies, sha256 of every file |"));
        Line();
        Line("## Model signature");
        Line();
        Line(Invariant($"- Input `{OnnxExporter.InputName}`: float32 `[{OnnxExporter.BatchDimension}, {run.LayerSizes[0]}]`, raw values in the order"));
        Line("  " + string.Join(", ", PenguinData.FeatureColumns.Select(c => $"`{c}`")) + ".");
        Line("  Do not standardize them: the graph does it (`Sub` training mean, `Div` training std, both initializers).");
        Line(Invariant($"- Output `{OnnxExporter.OutputName}`: float32 `[{OnnxExporter.BatchDimension}, {run.LayerSizes[^1]}]`, softmax probabilities; class ids {classList}"));
        Line("  (species names in alphabetical order). The predicted species is the argmax.");
        Line("- Graph: `Sub -> Div -> Gemm(transB=1) -> Relu -> Gemm(transB=1) -> Relu -> Gemm(transB=1) -> Softmax(axis=1)`.");
        Line();
        Line("CSV columns: " + string.Join(",", PenguinData.FeatureColumns) + ",species (species as its name). Values are");
        Line("written exactly as in the source JSON; the model takes them as float32.");
        Line();
        Line("## How it was made");
        Line();
        Line(Invariant($"1. Data: `penguins.json` from the npm package `vega-datasets` (pinned in the root `package.json`), {run.Data.SourceRowCount} rows."));
        Line("   Features are the fields " + string.Join(", ", PenguinData.FeatureFields.Select(f => $"`{f}`")) + ";");
        Line("   the label is `Species`.");
        Line(Invariant($"2. Rows with a null species or any null feature are dropped, {run.Data.Dropped.Count} rows:"));
        foreach (var dropped in run.Data.Dropped)
        {
            Line(Invariant($"   - source row {dropped.SourceIndex} ({dropped.Species ?? "no species"}): {dropped.Reason}"));
        }

        Line(Invariant($"   leaving {run.Data.Rows.Count}. Nulls in `Sex` (not a feature) do not drop a row."));
        Line(Invariant($"3. Stratified split with seed {run.Options.Seed} (own SplitMix64 generator): {run.Options.TrainFraction.ToString("R", CultureInfo.InvariantCulture)} of each species to training,"));
        Line(Invariant($"   the rest held out. Train {run.Split.Train.Count} ({CountsText(run.Split.Train, classes)}),"));
        Line(Invariant($"   held out {run.Split.Eval.Count} ({CountsText(run.Split.Eval, classes)})."));
        Line("4. Standardization statistics (mean, population std) come from the training rows only.");
        Line(Invariant($"5. MLP {sizes} with ReLU, He-normal initialisation, trained in plain C# (double precision, one thread, fixed"));
        Line(Invariant($"   order) with Adam (learning rate {run.Adam.LearningRate.ToString("R", CultureInfo.InvariantCulture)}, batch {run.Options.BatchSize}, {run.Options.Epochs} epochs, reshuffled each epoch) on softmax"));
        Line(Invariant($"   cross-entropy. Final epoch mean loss {run.FinalLoss.ToString("F6", CultureInfo.InvariantCulture)}."));
        Line("6. Export: parameters rounded to float32 and written with OnnxSharp's protobuf classes.");
        Line("7. Verification: ONNX Runtime loads the written file; its signature is checked and its probabilities for every");
        Line("   training and held-out row are compared with the trainer's own forward pass over the same float32 parameters");
        Line(Invariant($"   (max abs difference {Max(run).ToString("G3", CultureInfo.InvariantCulture)}; the run fails at {run.Tolerance.ToString("R", CultureInfo.InvariantCulture)} or more). Accuracies below come from ONNX Runtime's output."));
        Line();
        Line("## Accuracy");
        Line();
        Line("| Set | Correct | Accuracy |");
        Line("| --- | --- | --- |");
        Line(Invariant($"| held-out (`{EvalFile}`) | {run.Eval.Correct}/{run.Eval.Total} | {run.Eval.Accuracy.ToString("R", CultureInfo.InvariantCulture)} |"));
        Line(Invariant($"| training (`{TrainFile}`) | {run.Train.Correct}/{run.Train.Total} | {run.Train.Accuracy.ToString("R", CultureInfo.InvariantCulture)} |"));
        Line();
        Line("The held-out confusion matrix is in `metadata.json` (`evaluation.heldout_confusion`).");
        Line();
        Line("## Regenerate");
        Line();
        Line("From the repository root:");
        Line();
        Line("```sh");
        Line(command);
        Line("```");
        Line();
        Line("The run is deterministic (fixed seed, own generator, single-threaded arithmetic in a fixed order, no");
        Line("timestamps in any file), so it should rewrite these files byte for byte on the same platform; compare");
        Line("`model.sha256` in `metadata.json`. The trainer exits non-zero, and deletes `model.onnx`, if ONNX Runtime's");
        Line("output does not match its own forward pass.");
        return sb.ToString();
    }

    private static double Max(RunSummary run) => Math.Max(run.Eval.MaxAbsDiff, run.Train.MaxAbsDiff);

    private static string CountsText(IReadOnlyList<PenguinRow> rows, IReadOnlyList<string> classes) =>
        string.Join(", ", classes.Select((c, i) => Invariant($"{c} {rows.Count(r => r.ClassId == i)}")));
}
