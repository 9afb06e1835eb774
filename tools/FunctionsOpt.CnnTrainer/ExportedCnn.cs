namespace FunctionsOpt.CnnTrainer;

/// <summary>A convolution's weight as exported: float32 [Out, In, 3, 3].</summary>
internal sealed record ExportedConv(string Name, int Inputs, int Outputs, float[] Weight);

/// <summary>A BatchNormalization in inference form: scale, bias, running mean and running variance (float32).</summary>
internal sealed record ExportedBatchNorm(string Name, float[] Scale, float[] Bias, float[] Mean, float[] Variance);

/// <summary>
/// The float32 parameters written into the ONNX graph. <see cref="Predict"/> is the trainer's own inference
/// forward pass over exactly these parameters, written with direct convolution loops (independent of the training
/// code's im2col path); ONNX Runtime's output must match it.
/// </summary>
internal sealed class ExportedCnn
{
    /// <summary>The epsilon attribute of every BatchNormalization node (ONNX stores it as float).</summary>
    public const float Epsilon = (float)BatchNorm2d.Epsilon;

    public ExportedCnn(CnnShape shape, IReadOnlyList<(ExportedConv Conv, ExportedBatchNorm Bn)> stages, float[] fcWeight, float[] fcBias)
    {
        Shape = shape;
        Stages = stages;
        FcWeight = fcWeight;
        FcBias = fcBias;
    }

    public CnnShape Shape { get; }

    /// <summary>conv1/bn1, block.conv1/block.bn1, block.conv2/block.bn2, conv2/bn2.</summary>
    public IReadOnlyList<(ExportedConv Conv, ExportedBatchNorm Bn)> Stages { get; }

    /// <summary>Gemm weight [classes, Width2] (transB = 1).</summary>
    public float[] FcWeight { get; }

    public float[] FcBias { get; }

    public static ExportedCnn FromTrained(ShapesCnn net)
    {
        static float[] F(double[] values) => values.Select(v => (float)v).ToArray();
        static ExportedConv Conv(Conv2d conv) =>
            new(conv.Weight.Name[..^".weight".Length], conv.InChannels, conv.OutChannels, F(conv.Weight.Value));
        static ExportedBatchNorm Bn(BatchNorm2d bn) =>
            new(bn.Scale.Name[..^".scale".Length], F(bn.Scale.Value), F(bn.Bias.Value), F(bn.RunningMean), F(bn.RunningVar));

        return new ExportedCnn(
            net.Shape,
            [
                (Conv(net.Conv1), Bn(net.Bn1)),
                (Conv(net.BlockConv1), Bn(net.BlockBn1)),
                (Conv(net.BlockConv2), Bn(net.BlockBn2)),
                (Conv(net.Conv2), Bn(net.Bn2)),
            ],
            F(net.FcWeight.Value),
            F(net.FcBias.Value));
    }

    /// <summary>Class probabilities for one image [InChannels, size, size], computed in double.</summary>
    public double[] Predict(ReadOnlySpan<float> image)
    {
        int size = Shape.ImageSize;
        var input = new double[image.Length];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = image[i];
        }

        double[] relu1 = Relu(BatchNorm(Stages[0].Bn, Convolve(Stages[0].Conv, input, size), size));
        double[] relu2 = Relu(BatchNorm(Stages[1].Bn, Convolve(Stages[1].Conv, relu1, size), size));
        double[] branch = BatchNorm(Stages[2].Bn, Convolve(Stages[2].Conv, relu2, size), size);
        var sum = new double[branch.Length];
        for (int i = 0; i < sum.Length; i++)
        {
            sum[i] = branch[i] + relu1[i];
        }

        double[] pooled = MaxPool(Relu(sum), Shape.Width1, size);
        int half = size / 2;
        double[] relu4 = Relu(BatchNorm(Stages[3].Bn, Convolve(Stages[3].Conv, pooled, half), half));
        var logits = new double[Shape.Classes];
        for (int j = 0; j < Shape.Classes; j++)
        {
            double z = FcBias[j];
            for (int c = 0; c < Shape.Width2; c++)
            {
                double mean = 0;
                for (int p = 0; p < half * half; p++)
                {
                    mean += relu4[(c * half * half) + p];
                }

                z += (double)FcWeight[(j * Shape.Width2) + c] * (mean / (half * half));
            }

            logits[j] = z;
        }

        var probabilities = new double[logits.Length];
        ShapesCnn.Softmax(logits, probabilities);
        return probabilities;
    }

    private static double[] Convolve(ExportedConv conv, double[] input, int size)
    {
        var output = new double[conv.Outputs * size * size];
        for (int co = 0; co < conv.Outputs; co++)
        {
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    double sum = 0;
                    for (int ci = 0; ci < conv.Inputs; ci++)
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            int sy = y + ky - 1;
                            if (sy < 0 || sy >= size)
                            {
                                continue;
                            }

                            for (int kx = 0; kx < 3; kx++)
                            {
                                int sx = x + kx - 1;
                                if (sx >= 0 && sx < size)
                                {
                                    sum += conv.Weight[(((((co * conv.Inputs) + ci) * 3) + ky) * 3) + kx] * input[(((ci * size) + sy) * size) + sx];
                                }
                            }
                        }
                    }

                    output[(((co * size) + y) * size) + x] = sum;
                }
            }
        }

        return output;
    }

    private static double[] BatchNorm(ExportedBatchNorm bn, double[] input, int size)
    {
        int plane = size * size;
        var output = new double[input.Length];
        for (int c = 0; c < bn.Scale.Length; c++)
        {
            double inv = 1.0 / Math.Sqrt((double)bn.Variance[c] + Epsilon);
            for (int p = 0; p < plane; p++)
            {
                output[(c * plane) + p] = ((input[(c * plane) + p] - bn.Mean[c]) * inv * bn.Scale[c]) + bn.Bias[c];
            }
        }

        return output;
    }

    private static double[] Relu(double[] x) => x.Select(v => v > 0 ? v : 0.0).ToArray();

    private static double[] MaxPool(double[] input, int channels, int size)
    {
        int half = size / 2;
        var output = new double[channels * half * half];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < half; y++)
            {
                for (int x = 0; x < half; x++)
                {
                    int top = (((c * size) + (2 * y)) * size) + (2 * x);
                    output[(((c * half) + y) * half) + x] = Math.Max(
                        Math.Max(input[top], input[top + 1]),
                        Math.Max(input[top + size], input[top + size + 1]));
                }
            }
        }

        return output;
    }
}
