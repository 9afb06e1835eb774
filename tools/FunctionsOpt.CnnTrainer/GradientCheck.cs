using static System.FormattableString;

namespace FunctionsOpt.CnnTrainer;

/// <summary>Outcome of the numerical gradient check.</summary>
internal sealed record GradientCheckResult(
    CnnShape Shape, int Batch, int Checked, double Step, double MaxRelativeError, double MaxAbsoluteError, string WorstParameter, double Threshold)
{
    public bool Passed => MaxRelativeError < Threshold;
}

/// <summary>
/// Compares the analytic gradient of the mean cross-entropy (training-mode forward, batch statistics) with central
/// differences (L(w + h) - L(w - h)) / 2h for every parameter element of a tiny copy of the network. This covers
/// every backward rule the trainer uses: Conv, BatchNormalization (training), Relu, Add, MaxPool,
/// GlobalAveragePool, Gemm and softmax cross-entropy.
/// </summary>
internal static class GradientCheck
{
    public const double Step = 1e-5;

    /// <summary>Relative errors at or above this fail the check.</summary>
    public const double Threshold = 1e-5;

    /// <summary>Floor of the relative error's denominator, so that gradients that are both ~0 do not divide by ~0.</summary>
    public const double Floor = 1e-8;

    public static readonly CnnShape TinyShape = new(InChannels: 1, Width1: 3, Width2: 4, Classes: 4, ImageSize: 6);

    public const int Batch = 4;

    public static GradientCheckResult Run(ulong seed)
    {
        var rng = new SplitMix64(seed);
        var net = new ShapesCnn(TinyShape);
        net.Initialize(rng);

        // Move BN scale and bias away from 1 and 0 so that their gradients are exercised in general position.
        foreach (var bn in net.BatchNorms)
        {
            for (int c = 0; c < bn.Channels; c++)
            {
                bn.Scale.Value[c] = 0.5 + rng.NextDouble();
                bn.Bias.Value[c] = rng.NextDouble() - 0.5;
            }
        }

        int pixels = TinyShape.InChannels * TinyShape.ImageSize * TinyShape.ImageSize;
        var images = new double[Batch * pixels];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = rng.NextGaussian();
        }

        var labels = new int[Batch];
        for (int n = 0; n < Batch; n++)
        {
            labels[n] = rng.NextInt(TinyShape.Classes);
        }

        var gradLogits = new double[Batch * TinyShape.Classes];
        var probabilities = new double[gradLogits.Length];
        net.ZeroGrad();
        double[] logits = net.Forward(images, Batch, training: true);
        ShapesCnn.SoftmaxCrossEntropy(logits, labels, TinyShape.Classes, gradLogits, probabilities);
        net.Backward(gradLogits);

        double Loss()
        {
            double[] z = net.Forward(images, Batch, training: true);
            return ShapesCnn.SoftmaxCrossEntropy(z, labels, TinyShape.Classes, new double[z.Length], new double[z.Length]);
        }

        double maxRelative = 0;
        double maxAbsolute = 0;
        string worst = string.Empty;
        int count = 0;
        foreach (var parameter in net.Parameters)
        {
            for (int i = 0; i < parameter.Length; i++)
            {
                double original = parameter.Value[i];
                parameter.Value[i] = original + Step;
                double plus = Loss();
                parameter.Value[i] = original - Step;
                double minus = Loss();
                parameter.Value[i] = original;
                double numeric = (plus - minus) / (2 * Step);
                double analytic = parameter.Grad[i];
                double absolute = Math.Abs(analytic - numeric);
                double relative = absolute / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numeric)), Floor);
                maxAbsolute = Math.Max(maxAbsolute, absolute);
                if (relative > maxRelative)
                {
                    maxRelative = relative;
                    worst = Invariant($"{parameter.Name}[{i}]");
                }

                count++;
            }
        }

        return new GradientCheckResult(TinyShape, Batch, count, Step, maxRelative, maxAbsolute, worst, Threshold);
    }
}
