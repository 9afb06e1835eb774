using System.Security.Cryptography;
using static System.FormattableString;

namespace FunctionsOpt.SampleTrainer;

/// <summary>Loads the data, splits, trains, exports, verifies with ONNX Runtime and writes the sample files.</summary>
internal static class TrainingRun
{
    /// <summary>Written into the model as producer_version; a constant so that the file does not depend on git.</summary>
    public const string ToolVersion = "1.0.0";

    /// <summary>ONNX Runtime's probabilities must match the trainer's forward pass to within this.</summary>
    public const double Tolerance = 1e-4;

    public static void Execute(TrainerOptions options, TextWriter log)
    {
        log.WriteLine(Invariant($"Reading {options.DataPath}"));
        var data = PenguinData.Load(options.DataPath);
        log.WriteLine(Invariant($"Source rows: {data.SourceRowCount}; usable: {data.Rows.Count}; dropped: {data.Dropped.Count}"));
        foreach (var dropped in data.Dropped)
        {
            log.WriteLine(Invariant($"  dropped row {dropped.SourceIndex} (species {dropped.Species ?? "null"}): {dropped.Reason}"));
        }

        log.WriteLine(Invariant($"Classes (id order): {string.Join(", ", data.Classes.Select((c, i) => $"{i}={c}"))}"));

        // Independent generator streams, drawn in a fixed order from the seed, so that e.g. changing the epoch
        // count does not change the split.
        var master = new SplitMix64(options.Seed);
        var splitRng = new SplitMix64(master.NextUInt64());
        var initRng = new SplitMix64(master.NextUInt64());
        var shuffleRng = new SplitMix64(master.NextUInt64());

        var split = StratifiedSplit.Split(data.Rows, data.Classes.Count, options.TrainFraction, splitRng);
        log.WriteLine(Invariant($"Split: train {split.Train.Count} ({CountsText(split.Train, data.Classes)}), eval {split.Eval.Count} ({CountsText(split.Eval, data.Classes)})"));

        // The model receives float32 inputs, so statistics and training use the float-rounded raw values.
        var (mean, std) = ComputeStandardization(split.Train, PenguinData.FeatureFields.Count);
        double[][] trainInputs = split.Train.Select(r => Standardize(r.Features, mean, std)).ToArray();
        int[] trainLabels = split.Train.Select(r => r.ClassId).ToArray();

        int[] sizes = [PenguinData.FeatureFields.Count, options.HiddenSize, options.HiddenSize, data.Classes.Count];
        var mlp = new Mlp(sizes);
        mlp.InitializeHe(initRng);
        var adam = new AdamSettings(options.LearningRate);
        double finalLoss = Train(mlp, trainInputs, trainLabels, options, adam, shuffleRng, log);

        var exported = ExportedModel.FromTrained(mlp, mean, std);
        string docString = Invariant(
            $"MLP {string.Join("-", sizes)} (ReLU) classifying penguin species ({string.Join(", ", data.Classes)} = class 0..{data.Classes.Count - 1}) ") +
            $"from raw {string.Join(", ", PenguinData.FeatureColumns)}; standardization (Sub mean, Div std) is part of the graph. " +
            Invariant($"Trained by {OnnxExporter.ProducerName} on vega-datasets penguins.json, seed {options.Seed}.");
        var modelProto = OnnxExporter.Build(exported, ToolVersion, docString, data.Classes);
        byte[] modelBytes = OnnxExporter.Serialize(modelProto);

        Directory.CreateDirectory(options.OutputDirectory);
        string modelPath = Path.Combine(options.OutputDirectory, SampleWriter.ModelFile);
        File.WriteAllBytes(modelPath, modelBytes);
        log.WriteLine(Invariant($"Wrote {modelPath} ({modelBytes.Length} bytes, sha256 {Sha256(modelBytes)})"));

        VerificationResult evalResult;
        VerificationResult trainResult;
        try
        {
            using var verifier = new OrtVerifier(modelPath);
            verifier.CheckSignature(exported.InputSize, exported.OutputSize);
            evalResult = verifier.Evaluate(split.Eval, exported);
            trainResult = verifier.Evaluate(split.Train, exported);
            double worst = Math.Max(evalResult.MaxAbsDiff, trainResult.MaxAbsDiff);
            if (!(worst < Tolerance))
            {
                throw new InvalidOperationException(
                    Invariant($"ONNX Runtime probabilities differ from the trainer's forward pass by {worst:R} (tolerance {Tolerance:R})."));
            }
        }
        catch
        {
            File.Delete(modelPath);
            log.WriteLine(Invariant($"Verification failed; deleted {modelPath}."));
            throw;
        }

        log.WriteLine(Invariant($"ONNX Runtime check: max |ORT - reference| = {evalResult.MaxAbsDiff:R} (eval), {trainResult.MaxAbsDiff:R} (train); tolerance {Tolerance:R}"));
        log.WriteLine(Invariant($"Held-out accuracy: {evalResult.Correct}/{evalResult.Total} = {evalResult.Accuracy:R}"));
        log.WriteLine(Invariant($"Training accuracy: {trainResult.Correct}/{trainResult.Total} = {trainResult.Accuracy:R}"));

        var summary = new RunSummary(
            options, data, split, sizes, mean, std, adam, finalLoss, modelBytes, evalResult, trainResult, Tolerance);
        foreach (string written in SampleWriter.WriteAll(summary))
        {
            log.WriteLine(Invariant($"Wrote {written}"));
        }
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static double Train(
        Mlp mlp, double[][] inputs, int[] labels, TrainerOptions options, AdamSettings adam, SplitMix64 shuffleRng, TextWriter log)
    {
        var order = Enumerable.Range(0, inputs.Length).ToList();
        var batchInputs = new List<double[]>(options.BatchSize);
        var batchLabels = new List<int>(options.BatchSize);
        double epochLoss = double.NaN;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            shuffleRng.Shuffle(order);
            double lossSum = 0;
            for (int start = 0; start < order.Count; start += options.BatchSize)
            {
                batchInputs.Clear();
                batchLabels.Clear();
                for (int k = start; k < Math.Min(start + options.BatchSize, order.Count); k++)
                {
                    batchInputs.Add(inputs[order[k]]);
                    batchLabels.Add(labels[order[k]]);
                }

                lossSum += mlp.TrainBatch(batchInputs, batchLabels, adam);
            }

            epochLoss = lossSum / order.Count;
            if (epoch == 1 || epoch % 20 == 0 || epoch == options.Epochs)
            {
                log.WriteLine(Invariant($"  epoch {epoch,4}: mean cross-entropy {epochLoss:F6}, train accuracy {TrainAccuracy(mlp, inputs, labels):F4}"));
            }
        }

        return epochLoss;
    }

    private static double TrainAccuracy(Mlp mlp, double[][] inputs, int[] labels)
    {
        var probabilities = new double[mlp.OutputSize];
        int correct = 0;
        for (int n = 0; n < inputs.Length; n++)
        {
            mlp.Predict(inputs[n], probabilities);
            int best = 0;
            for (int k = 1; k < probabilities.Length; k++)
            {
                if (probabilities[k] > probabilities[best])
                {
                    best = k;
                }
            }

            if (best == labels[n])
            {
                correct++;
            }
        }

        return (double)correct / inputs.Length;
    }

    /// <summary>Per-feature mean and population standard deviation over the training rows, rounded to float32.</summary>
    private static (float[] Mean, float[] Std) ComputeStandardization(IReadOnlyList<PenguinRow> rows, int width)
    {
        var mean = new float[width];
        var std = new float[width];
        for (int f = 0; f < width; f++)
        {
            double sum = 0;
            foreach (var row in rows)
            {
                sum += (float)row.Features[f];
            }

            double m = sum / rows.Count;
            double squares = 0;
            foreach (var row in rows)
            {
                double d = (float)row.Features[f] - m;
                squares += d * d;
            }

            double s = Math.Sqrt(squares / rows.Count);
            if (!(s > 0))
            {
                throw new InvalidOperationException(Invariant($"Feature {PenguinData.FeatureColumns[f]} is constant in the training rows."));
            }

            mean[f] = (float)m;
            std[f] = (float)s;
        }

        return (mean, std);
    }

    private static double[] Standardize(double[] features, float[] mean, float[] std)
    {
        var result = new double[features.Length];
        for (int f = 0; f < features.Length; f++)
        {
            result[f] = ((double)(float)features[f] - mean[f]) / std[f];
        }

        return result;
    }

    private static string CountsText(IReadOnlyList<PenguinRow> rows, IReadOnlyList<string> classes) =>
        string.Join(", ", classes.Select((c, i) => Invariant($"{c} {rows.Count(r => r.ClassId == i)}")));
}

/// <summary>Everything the output writer needs about one run.</summary>
internal sealed record RunSummary(
    TrainerOptions Options,
    PenguinDataSet Data,
    SplitResult Split,
    int[] LayerSizes,
    float[] Mean,
    float[] Std,
    AdamSettings Adam,
    double FinalLoss,
    byte[] ModelBytes,
    VerificationResult Eval,
    VerificationResult Train,
    double Tolerance);
