using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Onnx;
using static System.FormattableString;

namespace FunctionsOpt.CnnTrainer;

/// <summary>Writes eval.npz, calibration.npz, metadata.json and README.md next to model.onnx.</summary>
internal static class SampleWriter
{
    public const string ModelFile = "model.onnx";
    public const string EvalFile = "eval.npz";
    public const string CalibrationFile = "calibration.npz";
    public const string MetadataFile = "metadata.json";
    public const string ReadmeFile = "README.md";
    public const string ImageEntry = "image";
    public const string LabelsEntry = "labels";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NewLine = "\n",

        // Readable "->" and apostrophes; the file is data on disk, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the files, checks that the archives load with FunctionsOpt.Core, returns the paths.</summary>
    public static IReadOnlyList<string> WriteAll(RunSummary run, TextWriter log)
    {
        string dir = run.Options.OutputDirectory;
        byte[] evalNpz = Npz(run.Eval);
        byte[] calibrationNpz = Npz(run.Calibration);
        var written = new List<string>
        {
            WriteFile(dir, EvalFile, evalNpz),
            WriteFile(dir, CalibrationFile, calibrationNpz),
        };

        CheckLoads(Path.Combine(dir, EvalFile), run.Eval, log);
        CheckLoads(Path.Combine(dir, CalibrationFile), run.Calibration, log);

        string command = RegenerateCommand(run.Options);
        string metadata = Metadata(run, evalNpz, calibrationNpz, command).ToJsonString(JsonOptions) + "\n";
        written.Add(WriteFile(dir, MetadataFile, Utf8NoBom.GetBytes(metadata)));
        written.Add(WriteFile(dir, ReadmeFile, Utf8NoBom.GetBytes(Readme(run, command))));
        return written;
    }

    public static string RegenerateCommand(TrainerOptions options)
    {
        var builder = new StringBuilder("dotnet run -c Release --project tools/FunctionsOpt.CnnTrainer --");
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

    private static string WriteFile(string dir, string name, byte[] bytes)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Npz(ImageSet set) => NpyWriter.Npz(
    [
        (ImageEntry, NpyWriter.Float32(set.Pixels, set.Count, 1, set.ImageSize, set.ImageSize)),
        (LabelsEntry, NpyWriter.Int64(set.Labels.Select(l => (long)l).ToArray(), set.Count)),
    ]);

    /// <summary>
    /// Reads the archive back with FunctionsOpt.Core's NpzReader and DatasetLoader and requires the exact arrays that
    /// were written (dtype, shape, every value), with 'labels' recognised as the label entry.
    /// </summary>
    private static void CheckLoads(string path, ImageSet expected, TextWriter log)
    {
        var arrays = NpzReader.ReadFile(path);
        if (!arrays.TryGetValue(ImageEntry, out var image) || !arrays.TryGetValue(LabelsEntry, out var labels) || arrays.Count != 2)
        {
            throw new InvalidOperationException($"{path}: expected entries '{ImageEntry}' and '{LabelsEntry}', found {string.Join(", ", arrays.Keys)}.");
        }

        long[] imageShape = [expected.Count, 1, expected.ImageSize, expected.ImageSize];
        if (image.ElementType != TensorElementKind.Float || !image.Shape.SequenceEqual(imageShape)
            || !((float[])image.Data).AsSpan().SequenceEqual(expected.Pixels))
        {
            throw new InvalidOperationException($"{path}: '{ImageEntry}' read back as {image.ElementType} {image.ShapeText}, or with other values.");
        }

        if (labels.ElementType != TensorElementKind.Int64 || !labels.Shape.SequenceEqual([(long)expected.Count])
            || !((long[])labels.Data).SequenceEqual(expected.Labels.Select(l => (long)l)))
        {
            throw new InvalidOperationException($"{path}: '{LabelsEntry}' read back as {labels.ElementType} {labels.ShapeText}, or with other values.");
        }

        var dataset = DatasetLoader.Load(path, new DatasetLoadOptions { ClassNames = ShapesData.ClassNames.ToList() });
        if (dataset.Count != expected.Count || dataset.Labels is null || dataset.Inputs.Count != 1 || !dataset.Inputs.ContainsKey(OnnxExporter.InputName))
        {
            throw new InvalidOperationException($"{path}: DatasetLoader did not see {expected.Count} rows of input '{OnnxExporter.InputName}' with labels.");
        }

        log.WriteLine(Invariant($"Checked {path}: NpzReader and DatasetLoader read {ImageEntry} float32 {image.ShapeText} and {LabelsEntry} int64 {labels.ShapeText}, values identical"));
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static JsonObject PerClass(ImageSet set)
    {
        var result = new JsonObject();
        for (int c = 0; c < ShapesData.ClassNames.Count; c++)
        {
            result[ShapesData.ClassNames[c]] = set.CountOf(c);
        }

        return result;
    }

    private static JsonArray Matrix(int[][] matrix) =>
        new(matrix.Select(row => (JsonNode?)new JsonArray(row.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray())).ToArray());

    private static JsonObject Metadata(RunSummary run, byte[] evalNpz, byte[] calibrationNpz, string command)
    {
        var g = run.Generator;
        var classes = new JsonArray();
        for (int c = 0; c < ShapesData.ClassNames.Count; c++)
        {
            classes.Add(new JsonObject
            {
                ["id"] = c,
                ["name"] = ShapesData.ClassNames[c],
                ["shape"] = ShapesData.ClassDescriptions[c],
            });
        }

        var history = new JsonArray(run.History.Select(h => (JsonNode?)new JsonObject
        {
            ["epoch"] = h.Epoch,
            ["mean_loss"] = h.MeanLoss,
            ["training_mode_accuracy"] = h.TrainingModeAccuracy,
        }).ToArray());

        var gc = run.GradientCheck;
        return new JsonObject
        {
            ["description"] = "Residual CNN with BatchNormalization classifying generated 16x16 grayscale shapes, its held-out evaluation data and a calibration set, made by tools/FunctionsOpt.CnnTrainer.",
            ["command"] = command,
            ["class_order"] = Strings(ShapesData.ClassNames),
            ["data"] = new JsonObject
            {
                ["source"] = "generated by the trainer (ShapesData.cs); no external data",
                ["classes"] = classes,
                ["image_size"] = g.ImageSize,
                ["pixel_range_note"] = "raw float32 values: background + intensity * coverage + noise; not clipped or normalized",
                ["extent_px"] = new JsonArray(g.MinExtent, g.MaxExtent),
                ["rotation"] = "uniform in [0, 2*pi)",
                ["intensity"] = new JsonArray(g.MinIntensity, g.MaxIntensity),
                ["background"] = new JsonArray(-g.BackgroundRange, g.BackgroundRange),
                ["noise_std"] = g.NoiseStd,
                ["supersample"] = g.Supersample,
                ["placement"] = "centre x and y uniform in [r, image_size - r] with r = min(extent * sqrt(2) / 2, image_size / 2): the shape's bounding circle stays inside the image, except that shapes wider than image_size / sqrt(2) are centred and may lose their corners",
                ["draw_order"] = "per image: extent, centre x, centre y, rotation, intensity, background, then one Gaussian per pixel in row-major order",
                ["label_order"] = "a SplitMix64 shuffle of a class-balanced list",
                ["train_images"] = run.Train.Count,
                ["train_images_per_class"] = PerClass(run.Train),
                ["eval_images"] = run.Eval.Count,
                ["eval_images_per_class"] = PerClass(run.Eval),
                ["calibration_images"] = run.Calibration.Count,
                ["calibration_images_per_class"] = PerClass(run.Calibration),
                ["calibration_selection"] = Invariant($"the first {run.Options.CalibrationPerClass} training images of each class, in training order (so calibration images were also used for training)"),
            },
            ["training"] = new JsonObject
            {
                ["seed"] = run.Options.Seed,
                ["prng"] = "SplitMix64; training data, held-out data, initialisation and shuffling use four streams seeded in that order from the seed",
                ["epochs"] = run.Options.Epochs,
                ["batch_size"] = run.Options.BatchSize,
                ["optimizer"] = "Adam",
                ["learning_rate"] = run.Adam.LearningRate,
                ["learning_rate_schedule"] = "cosine from learning_rate at the first step towards 0 at the end, per step",
                ["beta1"] = run.Adam.Beta1,
                ["beta2"] = run.Adam.Beta2,
                ["epsilon"] = run.Adam.Epsilon,
                ["weight_decay"] = 0,
                ["augmentation"] = "each training image, each time it is drawn, gets one of the 8 symmetries of the square (mirror left-right, mirror top-bottom, transpose; chosen with the shuffling stream); all four classes are closed under them",
                ["initialisation"] = "He normal convolution and Gemm weights (std sqrt(2 / fan_in)), zero Gemm bias, BatchNormalization scale 1 and bias 0",
                ["batch_normalization"] = Invariant($"training mode (batch mean, biased batch variance, epsilon {BatchNorm2d.Epsilon:R}); running mean and unbiased variance updated with momentum {BatchNorm2d.Momentum:R} (running = (1 - momentum) * running + momentum * batch) and exported"),
                ["loss"] = "softmax cross-entropy, averaged over each mini-batch",
                ["arithmetic"] = "double precision, single thread, fixed order; parameters rounded to float32 for export",
                ["final_epoch_mean_loss"] = run.History[^1].MeanLoss,
                ["history"] = history,
            },
            ["gradient_check"] = new JsonObject
            {
                ["network"] = Invariant($"the same architecture with widths {gc.Shape.Width1} and {gc.Shape.Width2}, {gc.Shape.ImageSize}x{gc.Shape.ImageSize} input, {gc.Shape.Classes} classes"),
                ["batch"] = gc.Batch,
                ["seed"] = TrainingRun.GradientCheckSeed,
                ["parameters_checked"] = gc.Checked,
                ["step"] = gc.Step,
                ["relative_error"] = Invariant($"|analytic - numeric| / max(|analytic|, |numeric|, {GradientCheck.Floor:R}); numeric = (L(w + h) - L(w - h)) / 2h, training-mode forward"),
                ["max_relative_error"] = gc.MaxRelativeError,
                ["max_absolute_error"] = gc.MaxAbsoluteError,
                ["worst_parameter"] = gc.WorstParameter,
                ["threshold"] = gc.Threshold,
            },
            ["model"] = new JsonObject
            {
                ["file"] = ModelFile,
                ["sha256"] = TrainingRun.Sha256(run.ModelBytes),
                ["bytes"] = run.ModelBytes.Length,
                ["architecture"] = Invariant($"Conv {run.Shape.InChannels}->{run.Shape.Width1} 3x3 -> BN -> Relu -> [Conv {run.Shape.Width1}->{run.Shape.Width1} -> BN -> Relu -> Conv {run.Shape.Width1}->{run.Shape.Width1} -> BN] + skip -> Relu -> MaxPool 2x2 -> Conv {run.Shape.Width1}->{run.Shape.Width2} -> BN -> Relu -> GlobalAveragePool -> Flatten -> Gemm {run.Shape.Width2}->{run.Shape.Classes} -> Softmax(axis=1)"),
                ["graph"] = OnnxExporter.GraphText,
                ["conv_note"] = "every Conv is 3x3, pads 1, stride 1, group 1, without a bias input; BatchNormalization nodes are in inference form (scale, bias, running mean, running var initializers, epsilon attribute) and deliberately not folded",
                ["parameters"] = run.ParameterCount,
                ["input"] = new JsonObject
                {
                    ["name"] = OnnxExporter.InputName,
                    ["type"] = "float32",
                    ["shape"] = new JsonArray(OnnxExporter.BatchDimension, run.Shape.InChannels, run.Shape.ImageSize, run.Shape.ImageSize),
                    ["note"] = "raw pixel values as stored in eval.npz; no preprocessing",
                },
                ["output"] = new JsonObject
                {
                    ["name"] = OnnxExporter.OutputName,
                    ["type"] = "float32",
                    ["shape"] = new JsonArray(OnnxExporter.BatchDimension, ShapesData.ClassNames.Count),
                    ["columns"] = Strings(ShapesData.ClassNames),
                },
                ["opset"] = OnnxExporter.OpsetVersion,
                ["ir_version"] = OnnxExporter.IrVersion,
                ["producer_name"] = OnnxExporter.ProducerName,
                ["producer_version"] = TrainingRun.ToolVersion,
            },
            ["evaluation"] = new JsonObject
            {
                ["runtime"] = "ONNX Runtime (Microsoft.ML.OnnxRuntime, CPU), InferenceSession on the written model.onnx",
                ["heldout_accuracy"] = run.EvalResult.Accuracy,
                ["heldout_correct"] = run.EvalResult.Correct,
                ["heldout_total"] = run.EvalResult.Total,
                ["heldout_accuracy_text"] = Invariant($"{run.EvalResult.Correct}/{run.EvalResult.Total}"),
                ["heldout_confusion"] = Matrix(run.EvalResult.Confusion),
                ["heldout_confusion_layout"] = "rows: true class, columns: predicted class, both in class_order",
                ["train_accuracy"] = run.TrainResult.Accuracy,
                ["train_correct"] = run.TrainResult.Correct,
                ["train_total"] = run.TrainResult.Total,
                ["train_accuracy_text"] = Invariant($"{run.TrainResult.Correct}/{run.TrainResult.Total}"),
                ["trainer_heldout_correct"] = run.EvalCorrectTrainer,
                ["trainer_train_correct"] = run.TrainCorrectTrainer,
                ["trainer_note"] = "the trainer's own double-precision inference pass (running statistics) before export",
                ["max_abs_diff_heldout"] = run.EvalResult.MaxAbsDiff,
                ["max_abs_diff_train"] = run.TrainResult.MaxAbsDiff,
                ["max_abs_diff_note"] = "largest |ONNX Runtime probability - trainer reference forward pass probability| over the float32 exported parameters",
                ["tolerance"] = run.Tolerance,
            },
            ["files"] = new JsonObject
            {
                [EvalFile] = new JsonObject
                {
                    ["sha256"] = TrainingRun.Sha256(evalNpz),
                    ["bytes"] = evalNpz.Length,
                    ["entries"] = Invariant($"{ImageEntry}: float32 [{run.Eval.Count}, 1, {g.ImageSize}, {g.ImageSize}]; {LabelsEntry}: int64 [{run.Eval.Count}]"),
                },
                [CalibrationFile] = new JsonObject
                {
                    ["sha256"] = TrainingRun.Sha256(calibrationNpz),
                    ["bytes"] = calibrationNpz.Length,
                    ["entries"] = Invariant($"{ImageEntry}: float32 [{run.Calibration.Count}, 1, {g.ImageSize}, {g.ImageSize}]; {LabelsEntry}: int64 [{run.Calibration.Count}]"),
                },
            },
        };
    }

    private static string Readme(RunSummary run, string command)
    {
        var g = run.Generator;
        var gc = run.GradientCheck;
        var sb = new StringBuilder();
        void Line(string text = "") => sb.Append(text).Append('\n');
        static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        string classList = string.Join(", ", ShapesData.ClassNames.Select((c, i) => Invariant($"{i} = {c}")));
        int size = g.ImageSize;

        Line("# Shapes CNN sample model");
        Line();
        Line("A small, real convolutional classifier with BatchNormalization and a residual Add, its held-out evaluation");
        Line("data and a calibration set, for exercising structured (channel) pruning, BatchNormalization folding and static");
        Line("quantization on a labelled model. Every file here is written by `tools/FunctionsOpt.CnnTrainer`, this README");
        Line("included; the images are generated by the trainer itself. Do not edit them by hand: change the trainer and regenerate.");
        Line();
        Line("| File | Content |");
        Line("| --- | --- |");
        Line(Invariant($"| `{ModelFile}` | residual CNN, {run.ParameterCount} parameters, float32, opset {OnnxExporter.OpsetVersion}, IR {OnnxExporter.IrVersion}, producer `{OnnxExporter.ProducerName}` |"));
        Line(Invariant($"| `{EvalFile}` | {run.Eval.Count} held-out images (`{ImageEntry}` float32 `[{run.Eval.Count}, 1, {size}, {size}]`, `{LabelsEntry}` int64 `[{run.Eval.Count}]`), never trained on |"));
        Line(Invariant($"| `{CalibrationFile}` | {run.Calibration.Count} training images, {run.Options.CalibrationPerClass} per class, same two entries |"));
        Line(Invariant($"| `{MetadataFile}` | seed, generator settings, hyper-parameters, loss history, gradient check, accuracies, confusion matrix, sha256 of every file |"));
        Line();
        Line("## Model signature");
        Line();
        Line(Invariant($"- Input `{OnnxExporter.InputName}`: float32 `[{OnnxExporter.BatchDimension}, 1, {size}, {size}]` (symbolic batch), raw pixel values exactly as stored in the `.npz`"));
        Line("  files; no preprocessing.");
        Line(Invariant($"- Output `{OnnxExporter.OutputName}`: float32 `[{OnnxExporter.BatchDimension}, {ShapesData.ClassNames.Count}]`, softmax probabilities; class ids {classList}."));
        Line("  The predicted class is the argmax. The class names are also in the model's `class_labels` metadata property.");
        Line("- Graph:");
        Line();
        var sh = run.Shape;
        int half = sh.Pooled;
        Line("  ```text");
        Line(Invariant($"  image [N,{sh.InChannels},{size},{size}]"));
        Line(Invariant($"    -> Conv {sh.InChannels}->{sh.Width1} (3x3, pad 1) -> BatchNormalization -> Relu ------------------+"));
        Line(Invariant($"    -> Conv {sh.Width1}->{sh.Width1} -> BatchNormalization -> Relu -> Conv {sh.Width1}->{sh.Width1} -> BatchNormalization -> Add <-+"));
        Line(Invariant($"    -> Relu -> MaxPool 2x2 (stride 2) -> [N,{sh.Width1},{half},{half}]"));
        Line(Invariant($"    -> Conv {sh.Width1}->{sh.Width2} -> BatchNormalization -> Relu -> GlobalAveragePool -> Flatten -> [N,{sh.Width2}]"));
        Line(Invariant($"    -> Gemm {sh.Width2}->{sh.Classes} (transB=1) -> Softmax(axis=1) -> probabilities [N,{sh.Classes}]"));
        Line("  ```");
        Line();
        Line("  Every Conv is 3x3, pads 1, stride 1, group 1 and has no bias input (as PyTorch exports `Conv2d(bias=False)`");
        Line("  followed by `BatchNorm2d`). The four BatchNormalization nodes are in inference form (scale, bias, running mean,");
        Line("  running var initializers, `epsilon` " + ExportedCnn.Epsilon.ToString("R", CultureInfo.InvariantCulture) + " as float32) and are deliberately not folded, so that a folding");
        Line("  pass has work to do.");
        Line("  Initializer names: `<layer>.weight` for Conv and Gemm, `<bn>.scale`, `<bn>.bias`, `<bn>.running_mean`,");
        Line("  `<bn>.running_var` for the BatchNormalizations (`bn1`, `block.bn1`, `block.bn2`, `bn2`), `fc.bias`.");
        Line();
        Line("## Data");
        Line();
        Line(Invariant($"Grayscale {size}x{size} images, generated by the trainer (`ShapesData.cs`), one shape per image:"));
        Line();
        for (int c = 0; c < ShapesData.ClassNames.Count; c++)
        {
            Line(Invariant($"- {c} `{ShapesData.ClassNames[c]}`: {ShapesData.ClassDescriptions[c]}"));
        }

        Line();
        Line(Invariant($"Each shape has an extent uniform in [{R(g.MinExtent)}, {R(g.MaxExtent)}) px, a rotation uniform in [0, 2 pi), a centre placed so"));
        Line(Invariant($"that its bounding circle stays inside the image (shapes wider than {size} / sqrt(2) px are centred and may lose their"));
        Line(Invariant($"corners), and a brightness uniform in [{R(g.MinIntensity)}, {R(g.MaxIntensity)}) above a background level uniform in [{R(-g.BackgroundRange)}, {R(g.BackgroundRange)}). Edges are anti-aliased by sampling a {g.Supersample}x{g.Supersample}"));
        Line(Invariant($"grid in each pixel. Every pixel then gets additive Gaussian noise with standard deviation {R(g.NoiseStd)}. Values are"));
        Line("float32 and are not clipped. Labels are a seeded shuffle of a class-balanced list:");
        Line(Invariant($"{run.Train.Count} training images ({CountsText(run.Train)}), {run.Eval.Count} held-out ({CountsText(run.Eval)})."));
        Line(Invariant($"`{CalibrationFile}` holds the first {run.Options.CalibrationPerClass} training images of each class, in training order ({CountsText(run.Calibration)})."));
        Line();
        Line("## How it was made");
        Line();
        Line(Invariant($"1. Seed {run.Options.Seed} (own SplitMix64 generator) seeds four streams in this order: training data, held-out data,"));
        Line("   initialisation, shuffling.");
        Line(Invariant($"2. He-normal initialisation; BatchNormalization scale 1, bias 0. {run.ParameterCount} trainable parameters."));
        Line(Invariant($"3. Training in plain C# (double precision, one thread, fixed order; own Conv, BatchNormalization, Relu, Add, MaxPool,"));
        Line(Invariant($"   GlobalAveragePool, Gemm and softmax cross-entropy forward and backward) with Adam (peak learning rate {R(run.Adam.LearningRate)},"));
        Line(Invariant($"   cosine-decayed per step towards 0, batch {run.Options.BatchSize}, {run.Options.Epochs} epochs, reshuffled each epoch). BatchNormalization uses batch"));
        Line(Invariant($"   statistics while training and keeps running mean and unbiased variance with momentum {R(BatchNorm2d.Momentum)} for export."));
        Line("   Each training image gets one of the 8 symmetries of the square (mirrors, transpose) each time it is drawn; every");
        Line("   class is closed under them. No weight decay, no early stopping; within a run the held-out set is only used after");
        Line("   training. The generator's difficulty and the epoch count were picked by hand so that held-out accuracy lands");
        Line("   around 90-98%: high enough to be a useful baseline, low enough that pruning and quantization damage shows.");
        Line(Invariant($"   Final epoch mean loss {run.History[^1].MeanLoss.ToString("F6", CultureInfo.InvariantCulture)} (per-epoch history in `metadata.json`)."));
        Line("4. Export: parameters and running statistics rounded to float32 and written with OnnxSharp's protobuf classes.");
        Line("5. Verification: ONNX Runtime loads the written file; its signature is checked and its probabilities for every");
        Line("   training and held-out image are compared with the trainer's own inference forward pass (direct convolution loops,");
        Line("   double precision) over the same float32 parameters");
        Line(Invariant($"   (max abs difference {Math.Max(run.EvalResult.MaxAbsDiff, run.TrainResult.MaxAbsDiff).ToString("G3", CultureInfo.InvariantCulture)}; the run fails at {R(run.Tolerance)} or more). Accuracies below come from ONNX Runtime's output."));
        Line(Invariant($"6. Both `.npz` files are read back with FunctionsOpt.Core's `NpzReader` and `DatasetLoader` and must return the written arrays."));
        Line();
        Line("## Gradient check");
        Line();
        Line("Before training, the trainer checks its backward pass against central differences,");
        Line("(L(w + h) - L(w - h)) / 2h with h = " + R(gc.Step) + ", for every parameter of a tiny copy of the network");
        Line(Invariant($"(widths {gc.Shape.Width1} and {gc.Shape.Width2}, {gc.Shape.ImageSize}x{gc.Shape.ImageSize} input, batch {gc.Batch}, training-mode BatchNormalization; {gc.Checked} parameters)."));
        Line(Invariant($"Max relative error {gc.MaxRelativeError.ToString("G3", CultureInfo.InvariantCulture)} (at `{gc.WorstParameter}`), max absolute error {gc.MaxAbsoluteError.ToString("G3", CultureInfo.InvariantCulture)};"));
        Line(Invariant($"relative error is |analytic - numeric| / max(|analytic|, |numeric|, {R(GradientCheck.Floor)}) and the run fails at {R(gc.Threshold)} or more."));
        Line("Run it alone with `dotnet run -c Release --project tools/FunctionsOpt.CnnTrainer -- --self-test`.");
        Line();
        Line("## Accuracy");
        Line();
        Line("| Set | Correct | Accuracy |");
        Line("| --- | --- | --- |");
        Line(Invariant($"| held-out (`{EvalFile}`) | {run.EvalResult.Correct}/{run.EvalResult.Total} | {R(run.EvalResult.Accuracy)} |"));
        Line(Invariant($"| training | {run.TrainResult.Correct}/{run.TrainResult.Total} | {R(run.TrainResult.Accuracy)} |"));
        Line();
        Line("Held-out confusion matrix (rows: true class, columns: predicted class):");
        Line();
        Line("| true \\ predicted | " + string.Join(" | ", ShapesData.ClassNames) + " |");
        Line("| --- |" + string.Concat(Enumerable.Repeat(" --- |", ShapesData.ClassNames.Count)));
        for (int c = 0; c < ShapesData.ClassNames.Count; c++)
        {
            Line(Invariant($"| {ShapesData.ClassNames[c]} | ") + string.Join(" | ", run.EvalResult.Confusion[c].Select(v => v.ToString(CultureInfo.InvariantCulture))) + " |");
        }

        Line();
        Line("## Regenerate");
        Line();
        Line("From the repository root:");
        Line();
        Line("```sh");
        Line(command);
        Line("```");
        Line();
        Line("The run is deterministic (fixed seed, own generator, single-threaded arithmetic in a fixed order, element-wise");
        Line("vector operations only, no timestamps in any file, zip entries stored with a fixed date), so it rewrites these files");
        Line("byte for byte on the same platform; compare `model.sha256` in `metadata.json`. Math library functions (exp, log,");
        Line("cos) may differ in the last bit between operating systems. The trainer exits non-zero, and deletes `model.onnx`,");
        Line("if the gradient check fails or ONNX Runtime's output does not match its own forward pass.");
        return sb.ToString();
    }

    private static string CountsText(ImageSet set) =>
        string.Join(", ", ShapesData.ClassNames.Select((c, i) => Invariant($"{c} {set.CountOf(i)}")));
}
