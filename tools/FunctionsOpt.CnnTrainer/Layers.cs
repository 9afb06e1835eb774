namespace FunctionsOpt.CnnTrainer;

/// <summary>A trainable tensor (double), its gradient and the optimizer's moment estimates.</summary>
internal sealed class Parameter
{
    public Parameter(string name, params int[] shape)
    {
        Name = name;
        Shape = shape;
        int length = shape.Aggregate(1, (a, b) => a * b);
        Value = new double[length];
        Grad = new double[length];
        M = new double[length];
        V = new double[length];
    }

    public string Name { get; }

    public int[] Shape { get; }

    public double[] Value { get; }

    public double[] Grad { get; }

    public double[] M { get; }

    public double[] V { get; }

    public int Length => Value.Length;
}

/// <summary>
/// 3x3 convolution, stride 1, zero padding 1, no bias (a BatchNormalization follows every one), over activations laid
/// out [N, C, H, W]. Per image: im2col into [Cin * 9, H * W], then out[co] += W[co, k] * cols[k] row by row.
/// </summary>
internal sealed class Conv2d
{
    public const int Kernel = 3;
    private const int Taps = Kernel * Kernel;

    private double[] _input = [];
    private int _batch;

    public Conv2d(string name, int inChannels, int outChannels, int height, int width)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Height = height;
        Width = width;
        Weight = new Parameter(name + ".weight", outChannels, inChannels, Kernel, Kernel);
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public int Height { get; }

    public int Width { get; }

    public Parameter Weight { get; }

    private int Plane => Height * Width;

    private int ColumnRows => InChannels * Taps;

    /// <summary>He (Kaiming) normal: N(0, 2 / fan_in), fan_in = Cin * 9.</summary>
    public void InitializeHe(SplitMix64 rng)
    {
        double scale = Math.Sqrt(2.0 / ColumnRows);
        for (int i = 0; i < Weight.Length; i++)
        {
            Weight.Value[i] = rng.NextGaussian() * scale;
        }
    }

    public double[] Forward(double[] input, int batch)
    {
        _input = input;
        _batch = batch;
        int plane = Plane;
        var output = new double[batch * OutChannels * plane];
        var cols = new double[ColumnRows * plane];
        for (int n = 0; n < batch; n++)
        {
            Im2Col(input.AsSpan(n * InChannels * plane, InChannels * plane), cols);
            for (int co = 0; co < OutChannels; co++)
            {
                Span<double> outRow = output.AsSpan(((n * OutChannels) + co) * plane, plane);
                ReadOnlySpan<double> weights = Weight.Value.AsSpan(co * ColumnRows, ColumnRows);
                for (int k = 0; k < ColumnRows; k++)
                {
                    Kernels.Axpy(weights[k], cols.AsSpan(k * plane, plane), outRow);
                }
            }
        }

        return output;
    }

    /// <summary>Adds dLoss/dW to the weight gradient; returns dLoss/dInput when asked (else null).</summary>
    public double[]? Backward(double[] gradOutput, bool inputGradient)
    {
        int plane = Plane;
        var cols = new double[ColumnRows * plane];
        var gradCols = inputGradient ? new double[ColumnRows * plane] : null;
        var gradInput = inputGradient ? new double[_batch * InChannels * plane] : null;
        for (int n = 0; n < _batch; n++)
        {
            Im2Col(_input.AsSpan(n * InChannels * plane, InChannels * plane), cols);
            for (int co = 0; co < OutChannels; co++)
            {
                ReadOnlySpan<double> gradRow = gradOutput.AsSpan(((n * OutChannels) + co) * plane, plane);
                Span<double> gradWeights = Weight.Grad.AsSpan(co * ColumnRows, ColumnRows);
                for (int k = 0; k < ColumnRows; k++)
                {
                    gradWeights[k] += Kernels.Dot(gradRow, cols.AsSpan(k * plane, plane));
                }
            }

            if (gradCols is not null && gradInput is not null)
            {
                Array.Clear(gradCols);
                for (int co = 0; co < OutChannels; co++)
                {
                    ReadOnlySpan<double> gradRow = gradOutput.AsSpan(((n * OutChannels) + co) * plane, plane);
                    ReadOnlySpan<double> weights = Weight.Value.AsSpan(co * ColumnRows, ColumnRows);
                    for (int k = 0; k < ColumnRows; k++)
                    {
                        Kernels.Axpy(weights[k], gradRow, gradCols.AsSpan(k * plane, plane));
                    }
                }

                Col2Im(gradCols, gradInput.AsSpan(n * InChannels * plane, InChannels * plane));
            }
        }

        return gradInput;
    }

    /// <summary>cols[(ci * 9 + ky * 3 + kx), y * W + x] = image[ci, y + ky - 1, x + kx - 1] (0 outside).</summary>
    private void Im2Col(ReadOnlySpan<double> image, Span<double> cols)
    {
        int h = Height;
        int w = Width;
        for (int ci = 0; ci < InChannels; ci++)
        {
            for (int ky = 0; ky < Kernel; ky++)
            {
                for (int kx = 0; kx < Kernel; kx++)
                {
                    Span<double> row = cols.Slice(((ci * Taps) + (ky * Kernel) + kx) * h * w, h * w);
                    for (int y = 0; y < h; y++)
                    {
                        int sy = y + ky - 1;
                        for (int x = 0; x < w; x++)
                        {
                            int sx = x + kx - 1;
                            row[(y * w) + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? image[(((ci * h) + sy) * w) + sx] : 0.0;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adjoint of <see cref="Im2Col"/>: scatters column gradients back onto the image (fixed order).</summary>
    private void Col2Im(ReadOnlySpan<double> cols, Span<double> image)
    {
        int h = Height;
        int w = Width;
        for (int ci = 0; ci < InChannels; ci++)
        {
            for (int ky = 0; ky < Kernel; ky++)
            {
                for (int kx = 0; kx < Kernel; kx++)
                {
                    ReadOnlySpan<double> row = cols.Slice(((ci * Taps) + (ky * Kernel) + kx) * h * w, h * w);
                    for (int y = 0; y < h; y++)
                    {
                        int sy = y + ky - 1;
                        if (sy < 0 || sy >= h)
                        {
                            continue;
                        }

                        for (int x = 0; x < w; x++)
                        {
                            int sx = x + kx - 1;
                            if (sx >= 0 && sx < w)
                            {
                                image[(((ci * h) + sy) * w) + sx] += row[(y * w) + x];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// <summary>
/// Batch normalization over [N, C, H, W] per channel. Training mode normalizes with the batch mean and biased
/// variance and updates running statistics (momentum, unbiased variance, as PyTorch does); inference mode uses the
/// running statistics, exactly like ONNX BatchNormalization.
/// </summary>
internal sealed class BatchNorm2d
{
    private double[] _normalized = [];
    private double[] _invStd = [];
    private int _batch;

    public BatchNorm2d(string name, int channels, int plane)
    {
        Channels = channels;
        Plane = plane;
        Scale = new Parameter(name + ".scale", channels);
        Bias = new Parameter(name + ".bias", channels);
        RunningMean = new double[channels];
        RunningVar = new double[channels];
        Array.Fill(Scale.Value, 1.0);
        Array.Fill(RunningVar, 1.0);
    }

    public const double Epsilon = 1e-5;

    public const double Momentum = 0.1;

    public int Channels { get; }

    public int Plane { get; }

    public Parameter Scale { get; }

    public Parameter Bias { get; }

    public double[] RunningMean { get; }

    public double[] RunningVar { get; }

    public double[] Forward(double[] input, int batch, bool training)
    {
        int plane = Plane;
        var output = new double[input.Length];
        if (!training)
        {
            for (int c = 0; c < Channels; c++)
            {
                double inv = 1.0 / Math.Sqrt(RunningVar[c] + Epsilon);
                double a = Scale.Value[c] * inv;
                double b = Bias.Value[c] - (RunningMean[c] * a);
                for (int n = 0; n < batch; n++)
                {
                    int offset = ((n * Channels) + c) * plane;
                    for (int p = 0; p < plane; p++)
                    {
                        output[offset + p] = (input[offset + p] * a) + b;
                    }
                }
            }

            return output;
        }

        _batch = batch;
        _normalized = new double[input.Length];
        _invStd = new double[Channels];
        double count = (double)batch * plane;
        for (int c = 0; c < Channels; c++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++)
            {
                int offset = ((n * Channels) + c) * plane;
                for (int p = 0; p < plane; p++)
                {
                    sum += input[offset + p];
                }
            }

            double mean = sum / count;
            double squares = 0;
            for (int n = 0; n < batch; n++)
            {
                int offset = ((n * Channels) + c) * plane;
                for (int p = 0; p < plane; p++)
                {
                    double d = input[offset + p] - mean;
                    squares += d * d;
                }
            }

            double variance = squares / count;
            double inv = 1.0 / Math.Sqrt(variance + Epsilon);
            _invStd[c] = inv;
            double gamma = Scale.Value[c];
            double beta = Bias.Value[c];
            for (int n = 0; n < batch; n++)
            {
                int offset = ((n * Channels) + c) * plane;
                for (int p = 0; p < plane; p++)
                {
                    double xhat = (input[offset + p] - mean) * inv;
                    _normalized[offset + p] = xhat;
                    output[offset + p] = (gamma * xhat) + beta;
                }
            }

            double unbiased = count > 1 ? squares / (count - 1) : variance;
            RunningMean[c] = ((1 - Momentum) * RunningMean[c]) + (Momentum * mean);
            RunningVar[c] = ((1 - Momentum) * RunningVar[c]) + (Momentum * unbiased);
        }

        return output;
    }

    /// <summary>Training-mode backward: adds dScale, dBias and returns dInput.</summary>
    public double[] Backward(double[] gradOutput)
    {
        int plane = Plane;
        int batch = _batch;
        var gradInput = new double[gradOutput.Length];
        double count = (double)batch * plane;
        for (int c = 0; c < Channels; c++)
        {
            double sumGrad = 0;
            double sumGradXhat = 0;
            for (int n = 0; n < batch; n++)
            {
                int offset = ((n * Channels) + c) * plane;
                for (int p = 0; p < plane; p++)
                {
                    double g = gradOutput[offset + p];
                    sumGrad += g;
                    sumGradXhat += g * _normalized[offset + p];
                }
            }

            Bias.Grad[c] += sumGrad;
            Scale.Grad[c] += sumGradXhat;

            // dx = gamma * invstd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat))
            double factor = Scale.Value[c] * _invStd[c] / count;
            for (int n = 0; n < batch; n++)
            {
                int offset = ((n * Channels) + c) * plane;
                for (int p = 0; p < plane; p++)
                {
                    gradInput[offset + p] = factor * ((count * gradOutput[offset + p]) - sumGrad - (_normalized[offset + p] * sumGradXhat));
                }
            }
        }

        return gradInput;
    }
}
