namespace FunctionsOpt.CnnTrainer;

/// <summary>Settings of the synthetic image generator. Every default is what produced the committed sample.</summary>
internal sealed record GeneratorSettings
{
    public int ImageSize { get; init; } = 16;

    /// <summary>Smallest and largest shape extent (side of the square, diameter of the ring...), in pixels.</summary>
    public double MinExtent { get; init; } = 7.0;

    public double MaxExtent { get; init; } = 13.0;

    /// <summary>Shape brightness above the background, uniform in [MinIntensity, MaxIntensity).</summary>
    public double MinIntensity { get; init; } = 0.5;

    public double MaxIntensity { get; init; } = 1.0;

    /// <summary>Background level, uniform in [-BackgroundRange, BackgroundRange).</summary>
    public double BackgroundRange { get; init; } = 0.2;

    /// <summary>Standard deviation of the additive Gaussian pixel noise.</summary>
    public double NoiseStd { get; init; } = 0.25;

    /// <summary>Sub-pixel samples per axis used to anti-alias the shape edges.</summary>
    public int Supersample { get; init; } = 4;
}

/// <summary>A set of generated images, float32 [N, 1, size, size] row-major, and int labels.</summary>
internal sealed class ImageSet
{
    public ImageSet(float[] pixels, int[] labels, int imageSize)
    {
        Pixels = pixels;
        Labels = labels;
        ImageSize = imageSize;
    }

    public float[] Pixels { get; }

    public int[] Labels { get; }

    public int ImageSize { get; }

    public int Count => Labels.Length;

    public int PixelsPerImage => ImageSize * ImageSize;

    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    public int CountOf(int label) => Labels.Count(l => l == label);

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Select(IReadOnlyList<int> indices)
    {
        var pixels = new float[indices.Count * PixelsPerImage];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * PixelsPerImage, PixelsPerImage));
            labels[i] = Labels[indices[i]];
        }

        return new ImageSet(pixels, labels, ImageSize);
    }
}

/// <summary>
/// Generates grayscale images of four shape classes: filled square, ring (circle outline), plus-shaped cross and
/// filled triangle. Each image draws, in this order: the shape's centre, extent, rotation, brightness, background
/// level, then one Gaussian noise value per pixel (row-major). Shapes are anti-aliased by point sampling on a
/// sub-pixel grid; the centre is placed so that the shape's bounding circle (radius extent * sqrt(2) / 2, capped at
/// half the image) stays inside the image, so the largest shapes are centred and may lose their corners.
/// </summary>
internal static class ShapesData
{
    public static readonly IReadOnlyList<string> ClassNames = ["square", "ring", "cross", "triangle"];

    public static readonly IReadOnlyList<string> ClassDescriptions =
    [
        "filled square (side = extent)",
        "circle outline (outer diameter = extent, stroke 1.4 px)",
        "plus-shaped cross (two bars of length = extent, width max(1.4, extent / 4) px)",
        "filled isosceles triangle (base and height = extent)",
    ];

    /// <summary>
    /// <paramref name="perClass"/> images of each class; the label order is a SplitMix64 shuffle of the balanced list,
    /// and every random value comes from <paramref name="rng"/> in a fixed order.
    /// </summary>
    public static ImageSet Generate(int perClass, GeneratorSettings settings, SplitMix64 rng)
    {
        int classes = ClassNames.Count;
        var labels = new int[perClass * classes];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i % classes;
        }

        rng.Shuffle(labels);
        int size = settings.ImageSize;
        var pixels = new float[labels.Length * size * size];
        for (int n = 0; n < labels.Length; n++)
        {
            Render(labels[n], settings, rng, pixels.AsSpan(n * size * size, size * size));
        }

        return new ImageSet(pixels, labels, size);
    }

    private static void Render(int label, GeneratorSettings s, SplitMix64 rng, Span<float> image)
    {
        int size = s.ImageSize;
        double extent = s.MinExtent + ((s.MaxExtent - s.MinExtent) * rng.NextDouble());
        double half = extent / 2;

        // The bounding circle of a square of side `extent` has radius half * sqrt(2); keep it inside for every class
        // so position does not give the class away.
        double reach = Math.Min(half * Math.Sqrt(2.0), size / 2.0);
        double cx = reach + ((size - (2 * reach)) * rng.NextDouble());
        double cy = reach + ((size - (2 * reach)) * rng.NextDouble());
        double angle = 2.0 * Math.PI * rng.NextDouble();
        double intensity = s.MinIntensity + ((s.MaxIntensity - s.MinIntensity) * rng.NextDouble());
        double background = s.BackgroundRange * ((2.0 * rng.NextDouble()) - 1.0);
        double cos = Math.Cos(angle);
        double sin = Math.Sin(angle);
        int sub = s.Supersample;
        double subStep = 1.0 / sub;

        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                int inside = 0;
                for (int sy = 0; sy < sub; sy++)
                {
                    for (int sx = 0; sx < sub; sx++)
                    {
                        double px = x + ((sx + 0.5) * subStep) - cx;
                        double py = y + ((sy + 0.5) * subStep) - cy;

                        // Rotate the sample point into the shape's own frame.
                        double u = (cos * px) + (sin * py);
                        double v = (-sin * px) + (cos * py);
                        if (Contains(label, u, v, half))
                        {
                            inside++;
                        }
                    }
                }

                double coverage = (double)inside / (sub * sub);
                double value = background + (intensity * coverage) + (s.NoiseStd * rng.NextGaussian());
                image[(y * size) + x] = (float)value;
            }
        }
    }

    private static bool Contains(int label, double u, double v, double half)
    {
        const double Stroke = 1.4;
        switch (label)
        {
            case 0:
                return Math.Abs(u) <= half && Math.Abs(v) <= half;
            case 1:
                double r = Math.Sqrt((u * u) + (v * v));
                return r <= half && r >= half - Stroke;
            case 2:
                double arm = Math.Max(Stroke, half / 2) / 2;
                return (Math.Abs(u) <= arm && Math.Abs(v) <= half) || (Math.Abs(v) <= arm && Math.Abs(u) <= half);
            case 3:
                // Apex at v = -half, base at v = +half, half-width growing linearly to `half` at the base.
                return v >= -half && v <= half && Math.Abs(u) <= (v + half) / 2;
            default:
                throw new ArgumentOutOfRangeException(nameof(label), label, "Unknown class id.");
        }
    }
}
