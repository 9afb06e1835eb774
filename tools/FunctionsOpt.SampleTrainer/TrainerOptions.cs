using System.Globalization;

namespace FunctionsOpt.SampleTrainer;

/// <summary>Command-line options. Every default is what produced the committed sample.</summary>
internal sealed record TrainerOptions
{
    public const string DefaultDataPath = "node_modules/vega-datasets/data/penguins.json";
    public const string DefaultOutputDirectory = "samples/penguins";

    public string DataPath { get; init; } = DefaultDataPath;

    public string OutputDirectory { get; init; } = DefaultOutputDirectory;

    public ulong Seed { get; init; } = 42;

    public int Epochs { get; init; } = 200;

    public double LearningRate { get; init; } = 0.001;

    public int BatchSize { get; init; } = 32;

    public int HiddenSize { get; init; } = 256;

    public double TrainFraction { get; init; } = 0.7;

    /// <summary>The options given on the command line, in order, to reproduce the run.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public static string Usage =>
        """
        Usage: dotnet run --project tools/FunctionsOpt.SampleTrainer -- [options]
          --data PATH            penguins.json (default: node_modules/vega-datasets/data/penguins.json)
          --out DIR              output directory (default: samples/penguins)
          --seed N               seed for split, initialisation and shuffling (default: 42)
          --epochs N             training epochs (default: 200)
          --lr X                 Adam learning rate (default: 0.001)
          --batch-size N         mini-batch size (default: 32)
          --hidden N             width of both hidden layers (default: 256)
          --train-fraction X     fraction of each species used for training (default: 0.7)
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
                "--data" => options with { DataPath = value },
                "--out" => options with { OutputDirectory = value },
                "--seed" => options with { Seed = ulong.Parse(value, CultureInfo.InvariantCulture) },
                "--epochs" => options with { Epochs = PositiveInt(name, value) },
                "--lr" => options with { LearningRate = PositiveDouble(name, value) },
                "--batch-size" => options with { BatchSize = PositiveInt(name, value) },
                "--hidden" => options with { HiddenSize = PositiveInt(name, value) },
                "--train-fraction" => options with { TrainFraction = PositiveDouble(name, value) },
                _ => throw new ArgumentException($"Unknown option {name}.\n{Usage}"),
            };
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
