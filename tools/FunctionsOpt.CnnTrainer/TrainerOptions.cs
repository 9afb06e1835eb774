using System.Globalization;

namespace FunctionsOpt.CnnTrainer;

/// <summary>Command-line options. Every default is what produced the committed sample.</summary>
internal sealed record TrainerOptions
{
    public const string DefaultOutputDirectory = "samples/shapes-cnn";

    public string OutputDirectory { get; init; } = DefaultOutputDirectory;

    public ulong Seed { get; init; } = 42;

    public int Epochs { get; init; } = 15;

    public double LearningRate { get; init; } = 0.003;

    public int BatchSize { get; init; } = 32;

    public int TrainPerClass { get; init; } = 500;

    public int EvalPerClass { get; init; } = 150;

    public int CalibrationPerClass { get; init; } = 50;

    public double NoiseStd { get; init; } = new GeneratorSettings().NoiseStd;

    /// <summary>The options given on the command line, in order, to reproduce the run.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public static string Usage =>
        """
        Usage: dotnet run -c Release --project tools/FunctionsOpt.CnnTrainer -- [options]
               dotnet run -c Release --project tools/FunctionsOpt.CnnTrainer -- --self-test
          --out DIR                  output directory (default: samples/shapes-cnn)
          --seed N                   seed for data, initialisation and shuffling (default: 42)
          --epochs N                 training epochs (default: 15)
          --lr X                     Adam peak learning rate, cosine-decayed to 0 (default: 0.003)
          --batch-size N             mini-batch size (default: 32)
          --train-per-class N        generated training images per class (default: 500)
          --eval-per-class N         generated held-out images per class (default: 150)
          --calibration-per-class N  training images per class copied to calibration.npz (default: 50)
          --noise X                  standard deviation of the pixel noise (default: 0.25)
          --self-test                run only the numerical gradient check
        """;

    public static TrainerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new TrainerOptions { Arguments = args.ToList() };
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"Option {name} needs a value.\n{Usage}");
            }

            string value = args[++i];
            options = name switch
            {
                "--out" => options with { OutputDirectory = value },
                "--seed" => options with { Seed = ulong.Parse(value, CultureInfo.InvariantCulture) },
                "--epochs" => options with { Epochs = PositiveInt(name, value) },
                "--lr" => options with { LearningRate = PositiveDouble(name, value) },
                "--batch-size" => options with { BatchSize = PositiveInt(name, value) },
                "--train-per-class" => options with { TrainPerClass = PositiveInt(name, value) },
                "--eval-per-class" => options with { EvalPerClass = PositiveInt(name, value) },
                "--calibration-per-class" => options with { CalibrationPerClass = PositiveInt(name, value) },
                "--noise" => options with { NoiseStd = PositiveDouble(name, value) },
                _ => throw new ArgumentException($"Unknown option {name}.\n{Usage}"),
            };
        }

        if (options.CalibrationPerClass > options.TrainPerClass)
        {
            throw new ArgumentException("--calibration-per-class cannot exceed --train-per-class.");
        }

        if (options.BatchSize < 2)
        {
            throw new ArgumentException("--batch-size must be at least 2 (batch normalization needs a batch).");
        }

        return options;
    }

    private static int PositiveInt(string name, string value)
    {
        int parsed = int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
        return parsed > 0 ? parsed : throw new ArgumentException($"{name} must be positive (got {value}).");
    }

    private static double PositiveDouble(string name, string value)
    {
        double parsed = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        return parsed > 0 && double.IsFinite(parsed)
            ? parsed
            : throw new ArgumentException($"{name} must be a positive number (got {value}).");
    }
}
