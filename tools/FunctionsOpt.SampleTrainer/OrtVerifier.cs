using Microsoft.ML.OnnxRuntime;

namespace FunctionsOpt.SampleTrainer;

/// <summary>Result of running one row set through ONNX Runtime and the trainer's reference forward pass.</summary>
internal sealed record VerificationResult(int Correct, int Total, double MaxAbsDiff, float[][] OrtProbabilities)
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
    public void CheckSignature(int inputWidth, int outputWidth)
    {
        CheckSingle(_session.InputMetadata, OnnxExporter.InputName, inputWidth, "input");
        CheckSingle(_session.OutputMetadata, OnnxExporter.OutputName, outputWidth, "output");
    }

    /// <summary>
    /// Runs all rows as one batch, compares every probability to <paramref name="reference"/>'s and counts
    /// correct argmax predictions from ONNX Runtime's output.
    /// </summary>
    public VerificationResult Evaluate(IReadOnlyList<PenguinRow> rows, ExportedModel reference)
    {
        int width = reference.InputSize;
        int classes = reference.OutputSize;
        float[] input = new float[rows.Count * width];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int f = 0; f < width; f++)
            {
                input[(r * width) + f] = (float)rows[r].Features[f];
            }
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [rows.Count, width]);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [OnnxExporter.InputName], [inputValue], [OnnxExporter.OutputName]);
        var outputValue = outputs[0];
        long[] shape = outputValue.GetTensorTypeAndShape().Shape;
        if (shape.Length != 2 || shape[0] != rows.Count || shape[1] != classes)
        {
            throw new InvalidOperationException(
                $"ONNX Runtime returned shape [{string.Join(",", shape)}], expected [{rows.Count},{classes}].");
        }

        ReadOnlySpan<float> probabilities = outputValue.GetTensorDataAsSpan<float>();
        var perRow = new float[rows.Count][];
        double maxDiff = 0;
        int correct = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            ReadOnlySpan<float> ort = probabilities.Slice(r * classes, classes);
            perRow[r] = ort.ToArray();
            double[] expected = reference.Predict(input.AsSpan(r * width, width));
            int best = 0;
            for (int k = 0; k < classes; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ort[k] - expected[k]));
                if (ort[k] > ort[best])
                {
                    best = k;
                }
            }

            if (best == rows[r].ClassId)
            {
                correct++;
            }
        }

        return new VerificationResult(correct, rows.Count, maxDiff, perRow);
    }

    public void Dispose() => _session.Dispose();

    private static void CheckSingle(IReadOnlyDictionary<string, NodeMetadata> metadata, string name, int width, string kind)
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

        bool shapeOk = node.Dimensions.Length == 2
            && node.Dimensions[0] == -1
            && node.SymbolicDimensions[0] == OnnxExporter.BatchDimension
            && node.Dimensions[1] == width;
        if (!shapeOk)
        {
            throw new InvalidOperationException(
                $"The {kind} '{name}' has shape [{string.Join(",", node.Dimensions)}] " +
                $"(symbolic: [{string.Join(",", node.SymbolicDimensions)}]), expected [{OnnxExporter.BatchDimension},{width}].");
        }
    }
}
