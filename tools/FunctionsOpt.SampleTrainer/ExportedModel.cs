namespace FunctionsOpt.SampleTrainer;

/// <summary>A dense layer's parameters as exported (float32, weights [Out, In] row-major).</summary>
internal sealed record ExportedLayer(int Inputs, int Outputs, float[] Weights, float[] Bias);

/// <summary>
/// The float32 parameters written into the ONNX graph: per-feature standardization (mean, std) followed by the
/// dense layers. <see cref="Predict"/> is the trainer's own forward pass over exactly these parameters, used as
/// the reference that ONNX Runtime's output must match.
/// </summary>
internal sealed class ExportedModel
{
    public ExportedModel(float[] mean, float[] std, IReadOnlyList<ExportedLayer> layers)
    {
        Mean = mean;
        Std = std;
        Layers = layers;
    }

    public float[] Mean { get; }

    public float[] Std { get; }

    public IReadOnlyList<ExportedLayer> Layers { get; }

    public int InputSize => Mean.Length;

    public int OutputSize => Layers[^1].Outputs;

    public static ExportedModel FromTrained(Mlp mlp, float[] mean, float[] std)
    {
        var layers = mlp.Layers
            .Select(l => new ExportedLayer(
                l.Inputs,
                l.Outputs,
                l.Weights.Select(w => (float)w).ToArray(),
                l.Bias.Select(b => (float)b).ToArray()))
            .ToList();
        return new ExportedModel(mean, std, layers);
    }

    /// <summary>Probabilities for one row of raw (unstandardized) features, computed in double.</summary>
    public double[] Predict(ReadOnlySpan<float> rawFeatures)
    {
        double[] current = new double[InputSize];
        for (int f = 0; f < InputSize; f++)
        {
            current[f] = ((double)rawFeatures[f] - Mean[f]) / Std[f];
        }

        for (int l = 0; l < Layers.Count; l++)
        {
            ExportedLayer layer = Layers[l];
            double[] next = new double[layer.Outputs];
            for (int o = 0; o < layer.Outputs; o++)
            {
                double sum = layer.Bias[o];
                int rowStart = o * layer.Inputs;
                for (int i = 0; i < layer.Inputs; i++)
                {
                    sum += (double)layer.Weights[rowStart + i] * current[i];
                }

                next[o] = l < Layers.Count - 1 ? Math.Max(sum, 0.0) : sum;
            }

            current = next;
        }

        double[] probabilities = new double[current.Length];
        Mlp.Softmax(current, probabilities);
        return probabilities;
    }
}
