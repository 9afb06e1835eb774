using static FunctionsOpt.Benchmarks.OptionValues;

namespace FunctionsOpt.Benchmarks;

/// <summary>Options of the passes benchmark. Relative paths on the command line resolve against the current directory.</summary>
internal sealed record PassesOptions
{
    public const string Usage =
        """
        Usage: dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- passes [options]
          --out PATH           markdown result file (default: benchmarks/passes.md)
          --rounds N           timed rounds per candidate, interleaved (default: 11)
          --warmup N           untimed rounds before timing (default: 1)
          --threads N          ORT intra-op threads, the same for every candidate (default: processor count)
          --round-ms N         each round runs a candidate for about this long, sized on the fp32 model (default: 150)
          --large-batch N      the "largest batch" for models with a symbolic batch axis (default: 64)
          --skip-resnet        only penguins and shapes-cnn
        Usage: dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- compensation [--out PATH] [--threads N] [--skip-resnet]
          quality of quantization and pruning with and without error compensation; rewrites only its section of --out
        Usage: dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- scenes [FOLDER]
          writes the ResNet18 scenes (default folder: samples/resnet18-scenes)
        """;

    public static string DefaultScenesFolder => FromRepository("samples/resnet18-scenes");

    public string OutputPath { get; init; } = FromRepository("benchmarks/passes.md");

    public int Rounds { get; init; } = 11;

    public int Warmup { get; init; } = 1;

    public int Threads { get; init; } = Environment.ProcessorCount;

    public int RoundMilliseconds { get; init; } = 150;

    public int LargeBatch { get; init; } = 64;

    public bool SkipResNet { get; init; }

    public string Samples { get; init; } = FromRepository("samples");

    public string ResNetModel { get; init; } = Metadata("ResNet18Path");

    public static PassesOptions Parse(IReadOnlyList<string> args)
    {
        var options = new PassesOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--skip-resnet")
            {
                options = options with { SkipResNet = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"Option {name} needs a value.\n{Usage}");
            }

            var value = args[++i];
            options = name switch
            {
                "--out" => options with { OutputPath = Path.GetFullPath(value) },
                "--rounds" => options with { Rounds = Positive(name, value) },
                "--warmup" => options with { Warmup = NonNegative(name, value) },
                "--threads" => options with { Threads = Positive(name, value) },
                "--round-ms" => options with { RoundMilliseconds = Positive(name, value) },
                "--large-batch" => options with { LargeBatch = Positive(name, value) },
                _ => throw new ArgumentException($"Unknown option {name}.\n{Usage}"),
            };
        }

        return options;
    }
}
