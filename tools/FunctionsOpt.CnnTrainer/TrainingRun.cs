using System.Diagnostics;
using System.Security.Cryptography;
using static System.FormattableString;

namespace FunctionsOpt.CnnTrainer;

/// <summary>Generates the data, trains, exports, verifies with ONNX Runtime and writes the sample files.</summary>
internal static class TrainingRun
{
    /// <summary>Written into the model as producer_version; a constant so that the file does not depend on git.</summary>
    public const string ToolVersion = "1.0.0";

    /// <summary>ONNX Runtime's probabilities must match the trainer's forward pass to within this.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Seed of the gradient check's tiny network and batch (independent of --seed).</summary>
    public const ulong GradientCheckSeed = 7;

    public static bool SelfTest(TextWriter log)
    {
        var result = GradientCheck.Run(GradientCheckSeed);
        LogGradientCheck(result, log);
        return result.Passed;
    }

    public static void Execute(TrainerOptions options, TextWriter log)
    {
        var gradientCheck = GradientCheck.Run(GradientCheckSeed);
        LogGradientCheck(gradientCheck, log);
        if (!gradientCheck.Passed)
        {
            throw new InvalidOperationException("The numerical gradient check failed; not training.");
        }

        // Independent generator streams, drawn in a fixed order from the seed, so that e.g. changing the epoch
        // count does not change the data.
        var master = new SplitMix64(options.Seed);
        var trainDataRng = new SplitMix64(master.NextUInt64());
        var evalDataRng = new SplitMix64(master.NextUInt64());
        var initRng = new SplitMix64(master.NextUInt64());
        var shuffleRng = new SplitMix64(master.NextUInt64());

        var generator = new GeneratorSettings { NoiseStd = options.NoiseStd };
        var train = ShapesData.Generate(options.TrainPerClass, generator, trainDataRng);
        var eval = ShapesData.Generate(options.EvalPerClass, generator, evalDataRng);
        log.WriteLine(Invariant($"Generated {train.Count} training and {eval.Count} held-out images ({generator.ImageSize}x{generator.ImageSize}, noise std {generator.NoiseStd:R})"));

        var calibrationIndices = CalibrationIndices(train, options.CalibrationPerClass);
        var calibration = train.Select(calibrationIndices);

        var net = new ShapesCnn(new CnnShape());
        net.Initialize(initRng);
        log.WriteLine(Invariant($"Network: {net.ParameterCount} trainable parameters"));
        var adam = new AdamSettings(options.LearningRate);
        var stopwatch = Stopwatch.StartNew();
        var history = Train(net, train, options, adam, shuffleRng, log);
        log.WriteLine(Invariant($"Training took {stopwatch.Elapsed.TotalSeconds:F1} s"));

        int trainOwn = CountCorrect(net, train);
        int evalOwn = CountCorrect(net, eval);
        log.WriteLine(Invariant($"Trainer (double, running BN statistics): train {trainOwn}/{train.Count}, held-out {evalOwn}/{eval.Count}"));

        var exported = ExportedCnn.FromTrained(net);
        string docString = Invariant(
            $"Residual CNN with BatchNormalization classifying generated 16x16 grayscale shapes ({string.Join(", ", ShapesData.ClassNames.Select((c, i) => $"{i} = {c}"))}). ") +
            Invariant($"Trained by {OnnxExporter.ProducerName} on its own seeded synthetic data, seed {options.Seed}.");
        var modelProto = OnnxExporter.Build(exported, ToolVersion, docString, ShapesData.ClassNames);
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
            verifier.CheckSignature(exported.Shape);
            evalResult = verifier.Evaluate(eval, exported);
            trainResult = verifier.Evaluate(train, exported);
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

        log.WriteLine(Invariant($"ONNX Runtime check: max |ORT - reference| = {evalResult.MaxAbsDiff:R} (held-out), {trainResult.MaxAbsDiff:R} (train); tolerance {Tolerance:R}"));
        log.WriteLine(Invariant($"Held-out accuracy: {evalResult.Correct}/{evalResult.Total} = {evalResult.Accuracy:R}"));
        log.WriteLine(Invariant($"Training accuracy: {trainResult.Correct}/{trainResult.Total} = {trainResult.Accuracy:R}"));

        var summary = new RunSummary(
            options, generator, train, eval, calibration, net.Shape, net.ParameterCount, adam, history, gradientCheck,
            modelBytes, evalResult, trainResult, trainOwn, evalOwn, Tolerance);
        foreach (string written in SampleWriter.WriteAll(summary, log))
        {
            log.WriteLine(Invariant($"Wrote {written}"));
        }
    }

    /// <summary>The first <paramref name="perClass"/> images of each class, in training order.</summary>
    private static List<int> CalibrationIndices(ImageSet train, int perClass)
    {
        var taken = new int[ShapesData.ClassNames.Count];
        var indices = new List<int>();
        for (int i = 0; i < train.Count; i++)
        {
            if (taken[train.Labels[i]] < perClass)
            {
                taken[train.Labels[i]]++;
                indices.Add(i);
            }
        }

        return indices;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void LogGradientCheck(GradientCheckResult result, TextWriter log)
    {
        log.WriteLine(Invariant(
            $"Gradient check ({result.Checked} parameters of a {result.Shape.ImageSize}x{result.Shape.ImageSize} network, batch {result.Batch}, h {result.Step:R}): ") +
            Invariant($"max relative error {result.MaxRelativeError:G3} at {result.WorstParameter}, max absolute error {result.MaxAbsoluteError:G3}; ") +
            Invariant($"{(result.Passed ? "passed" : "FAILED")} (threshold {result.Threshold:R})"));
    }

    private static List<EpochStats> Train(
        ShapesCnn net, ImageSet data, TrainerOptions options, AdamSettings adam, SplitMix64 shuffleRng, TextWriter log)
    {
        int classes = net.Shape.Classes;
        int pixels = data.PixelsPerImage;
        if (data.ImageSize * data.ImageSize != pixels)
        {
            throw new InvalidOperationException("Augmentation expects one channel.");
        }

        var order = Enumerable.Range(0, data.Count).ToArray();
        int batchesPerEpoch = (data.Count + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = (long)batchesPerEpoch * options.Epochs;
        long step = 0;
        var history = new List<EpochStats>();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            shuffleRng.Shuffle(order);
            double lossSum = 0;
            int correct = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                int batch = Math.Min(options.BatchSize, order.Length - start);
                var images = new double[batch * pixels];
                var labels = new int[batch];
                for (int b = 0; b < batch; b++)
                {
                    int index = order[start + b];
                    Augment(data.Image(index), data.ImageSize, shuffleRng.NextInt(8), images.AsSpan(b * pixels, pixels));

                    labels[b] = data.Labels[index];
                }

                net.ZeroGrad();
                double[] logits = net.Forward(images, batch, training: true);
                var gradLogits = new double[logits.Length];
                var probabilities = new double[logits.Length];
                double loss = ShapesCnn.SoftmaxCrossEntropy(logits, labels, classes, gradLogits, probabilities);
                net.Backward(gradLogits);
                step++;
                adam.Step(net.Parameters, step, adam.RateAt(step, totalSteps));
                lossSum += loss * batch;
                for (int b = 0; b < batch; b++)
                {
                    if (ArgMax(probabilities.AsSpan(b * classes, classes)) == labels[b])
                    {
                        correct++;
                    }
                }
            }

            var stats = new EpochStats(epoch, lossSum / data.Count, (double)correct / data.Count);
            history.Add(stats);
            log.WriteLine(Invariant($"  epoch {epoch,3}: mean cross-entropy {stats.MeanLoss:F6}, training-mode accuracy {stats.TrainingModeAccuracy:F4}"));
        }

        return history;
    }

    /// <summary>
    /// Writes one of the 8 symmetries of the square (transform bit 0: mirror left-right, bit 1: mirror top-bottom,
    /// bit 2: transpose) of <paramref name="image"/> into <paramref name="output"/>. Every class is closed under them.
    /// </summary>
    public static void Augment(ReadOnlySpan<float> image, int size, int transform, Span<double> output)
    {
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                int sx = (transform & 1) != 0 ? size - 1 - x : x;
                int sy = (transform & 2) != 0 ? size - 1 - y : y;
                if ((transform & 4) != 0)
                {
                    (sx, sy) = (sy, sx);
                }

                output[(y * size) + x] = image[(sy * size) + sx];
            }
        }
    }

    /// <summary>Correct argmax predictions of the trainer's inference-mode forward pass (running BN statistics).</summary>
    private static int CountCorrect(ShapesCnn net, ImageSet data)
    {
        const int Chunk = 100;
        int classes = net.Shape.Classes;
        int pixels = data.PixelsPerImage;
        int correct = 0;
        for (int start = 0; start < data.Count; start += Chunk)
        {
            int batch = Math.Min(Chunk, data.Count - start);
            var images = new double[batch * pixels];
            for (int i = 0; i < images.Length; i++)
            {
                images[i] = data.Pixels[(start * pixels) + i];
            }

            double[] logits = net.Forward(images, batch, training: false);
            for (int b = 0; b < batch; b++)
            {
                if (ArgMax(logits.AsSpan(b * classes, classes)) == data.Labels[start + b])
                {
                    correct++;
                }
            }
        }

        return correct;
    }

    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
            {
                best = k;
            }
        }

        return best;
    }
}

/// <summary>One epoch's mean loss and accuracy of the training-mode (batch statistics) predictions.</summary>
internal sealed record EpochStats(int Epoch, double MeanLoss, double TrainingModeAccuracy);

/// <summary>Everything the output writer needs about one run.</summary>
internal sealed record RunSummary(
    TrainerOptions Options,
    GeneratorSettings Generator,
    ImageSet Train,
    ImageSet Eval,
    ImageSet Calibration,
    CnnShape Shape,
    int ParameterCount,
    AdamSettings Adam,
    IReadOnlyList<EpochStats> History,
    GradientCheckResult GradientCheck,
    byte[] ModelBytes,
    VerificationResult EvalResult,
    VerificationResult TrainResult,
    int TrainCorrectTrainer,
    int EvalCorrectTrainer,
    double Tolerance);
