namespace FunctionsOpt.SampleTrainer;

/// <summary>Fully connected layer y = W x + b with W stored row-major as [Out, In] (ONNX Gemm with transB=1).</summary>
internal sealed class DenseLayer
{
    public DenseLayer(int inputs, int outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
        Weights = new double[outputs * inputs];
        Bias = new double[outputs];
        WeightGrad = new double[Weights.Length];
        BiasGrad = new double[outputs];
        WeightM = new double[Weights.Length];
        WeightV = new double[Weights.Length];
        BiasM = new double[outputs];
        BiasV = new double[outputs];
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public double[] Weights { get; }

    public double[] Bias { get; }

    public double[] WeightGrad { get; }

    public double[] BiasGrad { get; }

    public double[] WeightM { get; }

    public double[] WeightV { get; }

    public double[] BiasM { get; }

    public double[] BiasV { get; }

    /// <summary>He (Kaiming) normal initialisation: N(0, 2 / fan_in) weights, zero biases.</summary>
    public void InitializeHe(SplitMix64 rng)
    {
        double scale = Math.Sqrt(2.0 / Inputs);
        for (int i = 0; i < Weights.Length; i++)
        {
            Weights[i] = rng.NextGaussian() * scale;
        }

        Array.Clear(Bias);
    }

    public void Forward(ReadOnlySpan<double> input, Span<double> output)
    {
        for (int o = 0; o < Outputs; o++)
        {
            ReadOnlySpan<double> row = Weights.AsSpan(o * Inputs, Inputs);
            double sum = Bias[o];
            for (int i = 0; i < Inputs; i++)
            {
                sum += row[i] * input[i];
            }

            output[o] = sum;
        }
    }
}

/// <summary>Adam hyper-parameters.</summary>
internal sealed record AdamSettings(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8);

/// <summary>
/// Multi-layer perceptron with ReLU between layers and softmax on the output, trained with softmax cross-entropy.
/// All arithmetic is double precision, single-threaded and in a fixed order, so results repeat bit for bit.
/// </summary>
internal sealed class Mlp
{
    private readonly DenseLayer[] _layers;
    private readonly double[][] _activations;
    private readonly double[][] _deltas;
    private long _step;

    public Mlp(IReadOnlyList<int> sizes)
    {
        if (sizes.Count < 2)
        {
            throw new ArgumentException("Need at least an input and an output size.", nameof(sizes));
        }

        _layers = new DenseLayer[sizes.Count - 1];
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l] = new DenseLayer(sizes[l], sizes[l + 1]);
        }

        // _activations[0] is the input; _activations[l + 1] is layer l's output (pre-activation kept for the
        // last layer, ReLU applied for hidden layers).
        _activations = sizes.Select(s => new double[s]).ToArray();
        _deltas = sizes.Select(s => new double[s]).ToArray();
    }

    public IReadOnlyList<DenseLayer> Layers => _layers;

    public int InputSize => _layers[0].Inputs;

    public int OutputSize => _layers[^1].Outputs;

    public void InitializeHe(SplitMix64 rng)
    {
        foreach (var layer in _layers)
        {
            layer.InitializeHe(rng);
        }
    }

    /// <summary>Forward pass of one sample; writes class probabilities.</summary>
    public void Predict(ReadOnlySpan<double> input, Span<double> probabilities)
    {
        ForwardCached(input);
        Softmax(_activations[^1], probabilities);
    }

    /// <summary>
    /// One Adam step on a mini-batch (gradients averaged over the batch). Returns the batch's summed
    /// cross-entropy loss.
    /// </summary>
    public double TrainBatch(IReadOnlyList<double[]> inputs, IReadOnlyList<int> labels, AdamSettings adam)
    {
        foreach (var layer in _layers)
        {
            Array.Clear(layer.WeightGrad);
            Array.Clear(layer.BiasGrad);
        }

        int batch = inputs.Count;
        double lossSum = 0;
        var probabilities = new double[OutputSize];
        for (int n = 0; n < batch; n++)
        {
            ForwardCached(inputs[n]);
            Softmax(_activations[^1], probabilities);
            int label = labels[n];
            lossSum -= Math.Log(Math.Max(probabilities[label], 1e-300));

            double[] delta = _deltas[^1];
            for (int k = 0; k < OutputSize; k++)
            {
                delta[k] = (probabilities[k] - (k == label ? 1.0 : 0.0)) / batch;
            }

            Backward();
        }

        ApplyAdam(adam);
        return lossSum;
    }

    private void ForwardCached(ReadOnlySpan<double> input)
    {
        input.CopyTo(_activations[0]);
        for (int l = 0; l < _layers.Length; l++)
        {
            double[] output = _activations[l + 1];
            _layers[l].Forward(_activations[l], output);
            if (l < _layers.Length - 1)
            {
                for (int i = 0; i < output.Length; i++)
                {
                    if (output[i] < 0)
                    {
                        output[i] = 0;
                    }
                }
            }
        }
    }

    /// <summary>Back-propagates _deltas[^1] (dLoss/dLogits), accumulating into each layer's gradients.</summary>
    private void Backward()
    {
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            DenseLayer layer = _layers[l];
            double[] delta = _deltas[l + 1];
            double[] input = _activations[l];
            for (int o = 0; o < layer.Outputs; o++)
            {
                double d = delta[o];
                layer.BiasGrad[o] += d;
                Span<double> gradRow = layer.WeightGrad.AsSpan(o * layer.Inputs, layer.Inputs);
                for (int i = 0; i < layer.Inputs; i++)
                {
                    gradRow[i] += d * input[i];
                }
            }

            if (l == 0)
            {
                break;
            }

            // dLoss/dInput of this layer, masked by the previous layer's ReLU (input > 0 iff it was not clamped).
            double[] previous = _deltas[l];
            Array.Clear(previous);
            for (int o = 0; o < layer.Outputs; o++)
            {
                double d = delta[o];
                ReadOnlySpan<double> row = layer.Weights.AsSpan(o * layer.Inputs, layer.Inputs);
                for (int i = 0; i < layer.Inputs; i++)
                {
                    previous[i] += row[i] * d;
                }
            }

            for (int i = 0; i < previous.Length; i++)
            {
                if (input[i] <= 0)
                {
                    previous[i] = 0;
                }
            }
        }
    }

    private void ApplyAdam(AdamSettings adam)
    {
        _step++;
        double correction1 = 1.0 - Math.Pow(adam.Beta1, _step);
        double correction2 = 1.0 - Math.Pow(adam.Beta2, _step);
        foreach (var layer in _layers)
        {
            AdamUpdate(layer.Weights, layer.WeightGrad, layer.WeightM, layer.WeightV, adam, correction1, correction2);
            AdamUpdate(layer.Bias, layer.BiasGrad, layer.BiasM, layer.BiasV, adam, correction1, correction2);
        }
    }

    private static void AdamUpdate(
        double[] parameters, double[] gradients, double[] m, double[] v, AdamSettings adam, double correction1, double correction2)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            double g = gradients[i];
            m[i] = (adam.Beta1 * m[i]) + ((1.0 - adam.Beta1) * g);
            v[i] = (adam.Beta2 * v[i]) + ((1.0 - adam.Beta2) * g * g);
            double mHat = m[i] / correction1;
            double vHat = v[i] / correction2;
            parameters[i] -= adam.LearningRate * mHat / (Math.Sqrt(vHat) + adam.Epsilon);
        }
    }

    /// <summary>Numerically stable softmax (subtracts the maximum logit).</summary>
    public static void Softmax(ReadOnlySpan<double> logits, Span<double> probabilities)
    {
        double max = double.NegativeInfinity;
        for (int k = 0; k < logits.Length; k++)
        {
            max = Math.Max(max, logits[k]);
        }

        double sum = 0;
        for (int k = 0; k < logits.Length; k++)
        {
            probabilities[k] = Math.Exp(logits[k] - max);
            sum += probabilities[k];
        }

        for (int k = 0; k < logits.Length; k++)
        {
            probabilities[k] /= sum;
        }
    }
}
