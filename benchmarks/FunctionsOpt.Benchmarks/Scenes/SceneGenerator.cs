using System.Globalization;
using System.Text;

namespace FunctionsOpt.Benchmarks.Scenes;

/// <summary>
/// Deterministic synthetic "scenes" for ResNet18 fidelity and calibration: 224x224 RGB images with a smooth
/// two-colour gradient background under a low-frequency brightness wave, 3-8 overlapping rectangles and ellipses
/// (rotated, flat or textured with stripes or a checkerboard, partly transparent) and mild Gaussian pixel noise.
/// Stored as uint8 [N,3,224,224] (CHW) in an npz; <see cref="ScenesData"/> normalizes them with the ImageNet
/// mean/std when loading. One SplitMix64 stream (seed <see cref="Seed"/>) draws every value in a fixed order.
/// </summary>
internal static class SceneGenerator
{
    public const ulong Seed = 20261201;

    public const int Size = 224;

    public const int DefaultCount = 48;

    public const string FileName = "scenes.npz";

    public const string Entry = "image";

    public static byte[] Generate(int count)
    {
        var random = new SplitMix64(Seed);
        var pixels = new byte[count * 3 * Size * Size];
        var canvas = new double[3, Size, Size];
        for (var n = 0; n < count; n++)
        {
            Background(random, canvas);
            var shapes = 3 + random.NextInt(6);
            for (var s = 0; s < shapes; s++)
            {
                Shape(random, canvas);
            }

            var noise = 1.5 + 3.0 * random.NextDouble();
            var plane = Size * Size;
            for (var c = 0; c < 3; c++)
            {
                for (var y = 0; y < Size; y++)
                {
                    for (var x = 0; x < Size; x++)
                    {
                        var value = canvas[c, y, x] + noise * random.NextGaussian();
                        pixels[(n * 3 + c) * plane + y * Size + x] = (byte)Math.Clamp(Math.Round(value), 0, 255);
                    }
                }
            }
        }

        return pixels;
    }

    /// <summary>Writes <see cref="FileName"/> and README.md into <paramref name="folder"/>; returns the npz size.</summary>
    public static long Write(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        var pixels = Generate(count);
        var npz = NpzWriter.Npz([(Entry, NpzWriter.UInt8(pixels, count, 3, Size, Size))]);
        var path = Path.Combine(folder, FileName);
        File.WriteAllBytes(path, npz);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(npz));
        File.WriteAllText(Path.Combine(folder, "README.md"), Readme(count, npz.Length, sha), new UTF8Encoding(false));
        return npz.Length;
    }

    private static void Background(SplitMix64 random, double[,,] canvas)
    {
        var from = Colour(random);
        var to = Colour(random);
        var angle = 2 * Math.PI * random.NextDouble();
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var amplitude = 25 * random.NextDouble();
        var fx = 0.5 + 2.5 * random.NextDouble();
        var fy = 0.5 + 2.5 * random.NextDouble();
        var phase = 2 * Math.PI * random.NextDouble();
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                // Projection of the pixel on the gradient direction, mapped to [0, 1].
                var t = ((x - Size / 2.0) * cos + (y - Size / 2.0) * sin) / (Size * Math.Sqrt(2)) + 0.5;
                var wave = amplitude * Math.Sin(2 * Math.PI * (fx * x + fy * y) / Size + phase);
                for (var c = 0; c < 3; c++)
                {
                    canvas[c, y, x] = from[c] + (to[c] - from[c]) * t + wave;
                }
            }
        }
    }

    private static void Shape(SplitMix64 random, double[,,] canvas)
    {
        var ellipse = random.NextInt(2) == 1;
        var cx = Size * random.NextDouble();
        var cy = Size * random.NextDouble();
        var hx = 12 + 68 * random.NextDouble();
        var hy = 12 + 68 * random.NextDouble();
        var angle = Math.PI * random.NextDouble();
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var colour = Colour(random);
        var second = Colour(random);
        var texture = random.NextInt(3); // 0 flat, 1 stripes, 2 checkerboard
        var period = 4 + 20 * random.NextDouble();
        var textureAngle = Math.PI * random.NextDouble();
        var (tc, ts) = (Math.Cos(textureAngle), Math.Sin(textureAngle));
        var alpha = 0.6 + 0.4 * random.NextDouble();
        var reach = Math.Max(hx, hy) * Math.Sqrt(2);
        var (x0, x1) = ((int)Math.Max(0, Math.Floor(cx - reach)), (int)Math.Min(Size - 1, Math.Ceiling(cx + reach)));
        var (y0, y1) = ((int)Math.Max(0, Math.Floor(cy - reach)), (int)Math.Min(Size - 1, Math.Ceiling(cy + reach)));
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                // Pixel centre in the shape's own rotated frame.
                var dx = x + 0.5 - cx;
                var dy = y + 0.5 - cy;
                var u = dx * cos + dy * sin;
                var v = -dx * sin + dy * cos;
                var inside = ellipse
                    ? (u * u) / (hx * hx) + (v * v) / (hy * hy) <= 1
                    : Math.Abs(u) <= hx && Math.Abs(v) <= hy;
                if (!inside)
                {
                    continue;
                }

                var useSecond = texture switch
                {
                    1 => Math.Sin(2 * Math.PI * (x * tc + y * ts) / period) > 0,
                    2 => ((int)Math.Floor(x / period) + (int)Math.Floor(y / period)) % 2 == 0,
                    _ => false,
                };
                var paint = useSecond ? second : colour;
                for (var c = 0; c < 3; c++)
                {
                    canvas[c, y, x] = (1 - alpha) * canvas[c, y, x] + alpha * paint[c];
                }
            }
        }
    }

    private static double[] Colour(SplitMix64 random) => [255 * random.NextDouble(), 255 * random.NextDouble(), 255 * random.NextDouble()];

    private static string Readme(int count, long bytes, string sha) => string.Create(CultureInfo.InvariantCulture, $$"""
        # ResNet18 scenes

        A small, shipped image set for measuring ResNet18 (NuGet `Microsoft.ML.DnnImageFeaturizer.ResNet18`, input
        `Input247` float32 [1,3,224,224], 512 features out) after compression: fidelity of a compressed model's features
        to the float32 model's, and calibration for static quantization and error compensation. The images are
        synthetic and unlabelled; they are "real-looking" only in their statistics (smooth regions, edges, textures,
        colours over the whole range), not in content. No photograph and no downloaded data went into them.
        This README and the npz are written by the benchmark program; do not edit them by hand.

        | File | Content |
        | --- | --- |
        | `{{FileName}}` | one entry `{{Entry}}`: uint8 [{{count}},3,{{Size}},{{Size}}] (RGB planes, row-major), deflate-compressed npz, {{bytes}} bytes, sha256 `{{sha}}` |

        ## Split

        - Calibration: the first {{count / 2}} images (index 0 to {{count / 2 - 1}}).
        - Fidelity evaluation: the last {{count - count / 2}} images (index {{count / 2}} to {{count - 1}}). Never used for calibration.

        ## Normalization (apply when loading)

        `x = (pixel / 255 - mean[c]) / std[c]` with the ImageNet statistics mean = (0.485, 0.456, 0.406),
        std = (0.229, 0.224, 0.225) for channels R, G, B, giving float32 [N,3,224,224] for `Input247`.

        ## How they were made

        `benchmarks/FunctionsOpt.Benchmarks/Scenes/SceneGenerator.cs`, one SplitMix64 stream with seed {{Seed}}, every
        value drawn in a fixed order, so the pixels are identical on every machine:

        1. Background: a linear gradient between two uniform random RGB colours along a random direction, plus a
           brightness wave of amplitude U(0, 25) with 0.5-3 cycles per image along each axis and a random phase.
        2. 3 to 8 shapes painted in order, each a rectangle or an ellipse with half-sizes U(12, 80) px, centre uniform in
           the image, rotation U(0, pi), opacity U(0.6, 1), filled flat, with stripes (period U(4, 24) px, random
           direction) or with a checkerboard of two random colours.
        3. Gaussian pixel noise with a per-image standard deviation U(1.5, 4.5), then rounding and clamping to [0, 255].

        Regenerate (writes this folder):

        ```sh
        dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- scenes
        ```
        """);
}
