using Microsoft.ML.OnnxRuntime;

namespace FunctionsOpt.CnnTrainer;

/// <summary>Result of running one image set through ONNX Runtime and the trainer's reference forward pass.</summary>
internal sealed record VerificationResult(int Correct, int Total, double MaxAbsDiff, int[][] Confusion)
{
    public double Accuracy => (double)Correct / Total;
}

/// <summary>Loads the written model file in ONNX Runtime and checks its signature and outputs.</summary>
internal sealed class OrtVerifier : IDisposable
{
    private readonly InferenceSession _session;

    public OrtVerifier(string modelPath)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(modelPath, options);
    }

    /// <summary>Checks names, element types and shapes (including the symbolic batch dimension).</summary>
    public void CheckSignature(CnnShape shape)
    {
        Check(_session.InputMetadata, OnnxExporter.InputName, [shape.InChannels, shape.ImageSize, shape.ImageSize], "input");
        Check(_session.OutputMetadata, OnnxExporter.OutputName, [shape.Classes], "output");
    }

    /// <summary>
    /// Runs the images in batches of <paramref name="batchSize"/>, compares every probability with
    /// <paramref name="reference"/>'s and counts correct argmax predictions from ONNX Runtime's output.
    /// </summary>
    public VerificationResult Evaluate(ImageSet data, ExportedCnn reference, int batchSize = 200)
    {
        int classes = reference.Shape.Classes;
        int pixels = data.PixelsPerImage;
        var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        double maxDiff = 0;
        int correct = 0;
        using var runOptions = new RunOptions();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int batch = Math.Min(batchSize, data.Count - start);
            float[] input = data.Pixels.AsSpan(start * pixels, batch * pixels).ToArray();
            using var inputValue = OrtValue.CreateTensorValueFromMemory(
                input, [batch, reference.Shape.InChannels, reference.Shape.ImageSize, reference.Shape.ImageSize]);
            using var outputs = _session.Run(runOptions, [OnnxExporter.InputName], [inputValue], [OnnxExporter.OutputName]);
            long[] shape = outputs[0].GetTensorTypeAndShape().Shape;
            if (shape.Length != 2 || shape[0] != batch || shape[1] != classes)
            {
                throw new InvalidOperationException(
                    $"ONNX Runtime returned shape [{string.Join(",", shape)}], expected [{batch},{classes}].");
            }

            ReadOnlySpan<float> probabilities = outputs[0].GetTensorDataAsSpan<float>();
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> ort = probabilities.Slice(b * classes, classes);
                double[] expected = reference.Predict(data.Image(start + b));
                int best = 0;
                for (int k = 0; k < classes; k++)
                {
                    maxDiff = Math.Max(maxDiff, Math.Abs(ort[k] - expected[k]));
                    if (ort[k] > ort[best])
                    {
                        best = k;
                    }
                }

                int label = data.Labels[start + b];
                confusion[label][best]++;
                if (best == label)
                {
                    correct++;
                }
            }
        }

        return new VerificationResult(correct, data.Count, maxDiff, confusion);
    }

    public void Dispose() => _session.Dispose();

    private static void Check(IReadOnlyDictionary<string, NodeMetadata> metadata, string name, int[] fixedDims, string kind)
    {
        if (metadata.Count != 1 || !metadata.TryGetValue(name, out var node))
        {
            throw new InvalidOperationException(
                $"Expected exactly one {kind} named '{name}', found: {string.Join(", ", metadata.Keys)}.");
        }

        if (node.ElementType != typeof(float))
        {
            throw new InvalidOperationException($"The {kind} '{name}' is {node.ElementType}, expected float.");
        }

        bool shapeOk = node.Dimensions.Length == fixedDims.Length + 1
            && node.Dimensions[0] == -1
            && node.SymbolicDimensions[0] == OnnxExporter.BatchDimension
            && node.Dimensions.Skip(1).SequenceEqual(fixedDims);
        if (!shapeOk)
        {
            throw new InvalidOperationException(
                $"The {kind} '{name}' has shape [{string.Join(",", node.Dimensions)}] " +
                $"(symbolic: [{string.Join(",", node.SymbolicDimensions)}]), expected [{OnnxExporter.BatchDimension},{string.Join(",", fixedDims)}].");
        }
    }
}
