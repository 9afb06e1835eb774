namespace FunctionsOpt.CnnTrainer;

/// <summary>Channel widths and image size of the network; the defaults are the sample's.</summary>
internal sealed record CnnShape(int InChannels = 1, int Width1 = 16, int Width2 = 32, int Classes = 4, int ImageSize = 16)
{
    public int Pooled => ImageSize / 2;
}

/// <summary>
/// The sample's network, trained in double precision on one thread in a fixed order:
/// Conv(1->W1) -> BN -> Relu -> [Conv(W1->W1) -> BN -> Relu -> Conv(W1->W1) -> BN] + skip -> Relu -> MaxPool 2x2
/// -> Conv(W1->W2) -> BN -> Relu -> GlobalAveragePool -> Gemm(W2->classes) -> Softmax.
/// Activations are flat arrays laid out [N, C, H, W].
/// </summary>
internal sealed class ShapesCnn
{
    private int _batch;
    private double[] _relu1 = [];
    private double[] _relu2 = [];
    private double[] _relu3 = [];
    private int[] _poolArgMax = [];
    private double[] _relu4 = [];
    private double[] _pooledFeatures = [];

    public ShapesCnn(CnnShape shape)
    {
        if (shape.ImageSize % 2 != 0)
        {
            throw new ArgumentException("The image size must be even (2x2 max pooling).", nameof(shape));
        }

        Shape = shape;
        int s = shape.ImageSize;
        int p = shape.Pooled;
        Conv1 = new Conv2d("conv1", shape.InChannels, shape.Width1, s, s);
        Bn1 = new BatchNorm2d("bn1", shape.Width1, s * s);
        BlockConv1 = new Conv2d("block.conv1", shape.Width1, shape.Width1, s, s);
        BlockBn1 = new BatchNorm2d("block.bn1", shape.Width1, s * s);
        BlockConv2 = new Conv2d("block.conv2", shape.Width1, shape.Width1, s, s);
        BlockBn2 = new BatchNorm2d("block.bn2", shape.Width1, s * s);
        Conv2 = new Conv2d("conv2", shape.Width1, shape.Width2, p, p);
        Bn2 = new BatchNorm2d("bn2", shape.Width2, p * p);
        FcWeight = new Parameter("fc.weight", shape.Classes, shape.Width2);
        FcBias = new Parameter("fc.bias", shape.Classes);
        Parameters =
        [
            Conv1.Weight, Bn1.Scale, Bn1.Bias,
            BlockConv1.Weight, BlockBn1.Scale, BlockBn1.Bias,
            BlockConv2.Weight, BlockBn2.Scale, BlockBn2.Bias,
            Conv2.Weight, Bn2.Scale, Bn2.Bias,
            FcWeight, FcBias,
        ];
    }

    public CnnShape Shape { get; }

    public Conv2d Conv1 { get; }

    public BatchNorm2d Bn1 { get; }

    public Conv2d BlockConv1 { get; }

    public BatchNorm2d BlockBn1 { get; }

    public Conv2d BlockConv2 { get; }

    public BatchNorm2d BlockBn2 { get; }

    public Conv2d Conv2 { get; }

    public BatchNorm2d Bn2 { get; }

    public Parameter FcWeight { get; }

    public Parameter FcBias { get; }

    /// <summary>Every trainable parameter, in a fixed order (optimizer and gradient check walk this list).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    public IReadOnlyList<BatchNorm2d> BatchNorms => [Bn1, BlockBn1, BlockBn2, Bn2];

    public int ParameterCount => Parameters.Sum(p => p.Length);

    /// <summary>He-normal convolution and Gemm weights, zero Gemm bias; BN scale 1, bias 0 (set by the constructor).</summary>
    public void Initialize(SplitMix64 rng)
    {
        Conv1.InitializeHe(rng);
        BlockConv1.InitializeHe(rng);
        BlockConv2.InitializeHe(rng);
        Conv2.InitializeHe(rng);
        double scale = Math.Sqrt(2.0 / Shape.Width2);
        for (int i = 0; i < FcWeight.Length; i++)
        {
            FcWeight.Value[i] = rng.NextGaussian() * scale;
        }

        Array.Clear(FcBias.Value);
    }

    /// <summary>Logits [N, classes]. Training mode uses batch statistics and keeps what backward needs.</summary>
    public double[] Forward(double[] images, int batch, bool training)
    {
        _batch = batch;
        double[] relu1 = Relu(Bn1.Forward(Conv1.Forward(images, batch), batch, training));
        double[] relu2 = Relu(BlockBn1.Forward(BlockConv1.Forward(relu1, batch), batch, training));
        double[] branch = BlockBn2.Forward(BlockConv2.Forward(relu2, batch), batch, training);
        var sum = new double[branch.Length];
        for (int i = 0; i < sum.Length; i++)
        {
            sum[i] = branch[i] + relu1[i];
        }

        double[] relu3 = Relu(sum);
        (double[] pooled, int[] argMax) = MaxPool(relu3, batch * Shape.Width1, Shape.ImageSize);
        double[] relu4 = Relu(Bn2.Forward(Conv2.Forward(pooled, batch), batch, training));
        double[] features = GlobalAveragePool(relu4, batch * Shape.Width2, Shape.Pooled * Shape.Pooled);
        double[] logits = Gemm(features, batch);
        if (training)
        {
            _relu1 = relu1;
            _relu2 = relu2;
            _relu3 = relu3;
            _poolArgMax = argMax;
            _relu4 = relu4;
            _pooledFeatures = features;
        }

        return logits;
    }

    /// <summary>Back-propagates dLoss/dLogits from the last training-mode forward, adding to every gradient.</summary>
    public void Backward(double[] gradLogits)
    {
        int batch = _batch;
        int classes = Shape.Classes;
        int width2 = Shape.Width2;

        // Gemm: logits = features * W^T + b.
        var gradFeatures = new double[batch * width2];
        for (int n = 0; n < batch; n++)
        {
            for (int j = 0; j < classes; j++)
            {
                double g = gradLogits[(n * classes) + j];
                FcBias.Grad[j] += g;
                for (int i = 0; i < width2; i++)
                {
                    FcWeight.Grad[(j * width2) + i] += g * _pooledFeatures[(n * width2) + i];
                    gradFeatures[(n * width2) + i] += g * FcWeight.Value[(j * width2) + i];
                }
            }
        }

        // GlobalAveragePool, then Relu.
        int plane2 = Shape.Pooled * Shape.Pooled;
        var gradRelu4 = new double[_relu4.Length];
        for (int nc = 0; nc < batch * width2; nc++)
        {
            double g = gradFeatures[nc] / plane2;
            for (int p = 0; p < plane2; p++)
            {
                gradRelu4[(nc * plane2) + p] = _relu4[(nc * plane2) + p] > 0 ? g : 0.0;
            }
        }

        double[] gradPooled = Conv2.Backward(Bn2.Backward(gradRelu4), inputGradient: true)!;

        // MaxPool routes each gradient to the position that won; then the Relu after the Add.
        var gradSum = new double[_relu3.Length];
        for (int i = 0; i < gradPooled.Length; i++)
        {
            gradSum[_poolArgMax[i]] += gradPooled[i];
        }

        for (int i = 0; i < gradSum.Length; i++)
        {
            if (!(_relu3[i] > 0))
            {
                gradSum[i] = 0.0;
            }
        }

        // Add: the gradient reaches both the branch and the skip.
        double[] gradRelu2 = BlockConv2.Backward(BlockBn2.Backward(gradSum), inputGradient: true)!;
        ReluBackward(gradRelu2, _relu2);
        double[] gradRelu1 = BlockConv1.Backward(BlockBn1.Backward(gradRelu2), inputGradient: true)!;
        for (int i = 0; i < gradRelu1.Length; i++)
        {
            gradRelu1[i] += gradSum[i];
        }

        ReluBackward(gradRelu1, _relu1);
        Conv1.Backward(Bn1.Backward(gradRelu1), inputGradient: false);
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            Array.Clear(p.Grad);
        }
    }

    /// <summary>Mean softmax cross-entropy over the batch; writes dLoss/dLogits and the per-row probabilities.</summary>
    public static double SoftmaxCrossEntropy(double[] logits, int[] labels, int classes, double[] gradLogits, double[] probabilities)
    {
        int batch = labels.Length;
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            Softmax(logits.AsSpan(n * classes, classes), probabilities.AsSpan(n * classes, classes));
            loss -= Math.Log(Math.Max(probabilities[(n * classes) + labels[n]], 1e-300));
            for (int j = 0; j < classes; j++)
            {
                double target = j == labels[n] ? 1.0 : 0.0;
                gradLogits[(n * classes) + j] = (probabilities[(n * classes) + j] - target) / batch;
            }
        }

        return loss / batch;
    }

    public static void Softmax(ReadOnlySpan<double> logits, Span<double> probabilities)
    {
        double max = double.NegativeInfinity;
        foreach (double z in logits)
        {
            max = Math.Max(max, z);
        }

        double sum = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            probabilities[j] = Math.Exp(logits[j] - max);
            sum += probabilities[j];
        }

        for (int j = 0; j < logits.Length; j++)
        {
            probabilities[j] /= sum;
        }
    }

    private static double[] Relu(double[] x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = x[i] > 0 ? x[i] : 0.0;
        }

        return x;
    }

    private static void ReluBackward(double[] grad, double[] reluOutput)
    {
        for (int i = 0; i < grad.Length; i++)
        {
            if (!(reluOutput[i] > 0))
            {
                grad[i] = 0.0;
            }
        }
    }

    /// <summary>2x2, stride 2; ties keep the first position in row-major order. ArgMax holds flat input indices.</summary>
    private static (double[] Output, int[] ArgMax) MaxPool(double[] input, int planes, int size)
    {
        int half = size / 2;
        var output = new double[planes * half * half];
        var argMax = new int[output.Length];
        for (int plane = 0; plane < planes; plane++)
        {
            int inBase = plane * size * size;
            for (int y = 0; y < half; y++)
            {
                for (int x = 0; x < half; x++)
                {
                    int best = inBase + (2 * y * size) + (2 * x);
                    ReadOnlySpan<int> candidates = [best + 1, best + size, best + size + 1];
                    foreach (int c in candidates)
                    {
                        if (input[c] > input[best])
                        {
                            best = c;
                        }
                    }

                    int o = (((plane * half) + y) * half) + x;
                    output[o] = input[best];
                    argMax[o] = best;
                }
            }
        }

        return (output, argMax);
    }

    private static double[] GlobalAveragePool(double[] input, int planes, int plane)
    {
        var output = new double[planes];
        for (int i = 0; i < planes; i++)
        {
            double sum = 0;
            for (int p = 0; p < plane; p++)
            {
                sum += input[(i * plane) + p];
            }

            output[i] = sum / plane;
        }

        return output;
    }

    private double[] Gemm(double[] features, int batch)
    {
        int classes = Shape.Classes;
        int width = Shape.Width2;
        var logits = new double[batch * classes];
        for (int n = 0; n < batch; n++)
        {
            for (int j = 0; j < classes; j++)
            {
                double sum = FcBias.Value[j];
                for (int i = 0; i < width; i++)
                {
                    sum += FcWeight.Value[(j * width) + i] * features[(n * width) + i];
                }

                logits[(n * classes) + j] = sum;
            }
        }

        return logits;
    }
}

/// <summary>Adam hyper-parameters; the learning rate follows a cosine from <see cref="LearningRate"/> to 0 over the run.</summary>
internal sealed record AdamSettings(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8)
{
    /// <summary>One Adam step (bias-corrected) over every parameter at learning rate <paramref name="rate"/>.</summary>
    public void Step(IReadOnlyList<Parameter> parameters, long step, double rate)
    {
        double correction1 = 1 - Math.Pow(Beta1, step);
        double correction2 = 1 - Math.Pow(Beta2, step);
        foreach (var p in parameters)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double g = p.Grad[i];
                p.M[i] = (Beta1 * p.M[i]) + ((1 - Beta1) * g);
                p.V[i] = (Beta2 * p.V[i]) + ((1 - Beta2) * g * g);
                double mHat = p.M[i] / correction1;
                double vHat = p.V[i] / correction2;
                p.Value[i] -= rate * mHat / (Math.Sqrt(vHat) + Epsilon);
            }
        }
    }

    public double RateAt(long step, long totalSteps) =>
        LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - 1) / totalSteps));
}
