using static FunctionsOpt.Benchmarks.OptionValues;

namespace FunctionsOpt.Benchmarks;

/// <summary>Options of the evaluator-overhead benchmark. Relative paths given on the command line are resolved against
/// the current directory; the defaults point into the repository (and the NuGet cache for ResNet18).</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage =
        """
        Usage: dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- evaluator-overhead [options]
          --out PATH              markdown result file (default: benchmarks/results/evaluator-overhead.md)
          --rounds N              timed rounds per variant, interleaved (default: 11)
          --warmup N              untimed rounds per variant before timing (default: 2)
          --threads N             ORT intra-op threads for the one shared session (default: processor count)
          --penguins-model PATH   default: samples/penguins/model.onnx
          --penguins-data PATH    default: samples/penguins/eval.csv
          --penguins-rows N       minimum rows (the eval set repeated); doubled until a raw round takes
                                  >= --min-round-ms (default: 8192)
          --min-round-ms N        default: 100
          --resnet-model PATH     default: ResNet18.onnx from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package
          --resnet-images N       seeded random-normal images [N,3,224,224] (default: 64)
          --skip-resnet           run only the penguins cases
        """;

    public string OutputPath { get; init; } = FromRepository("benchmarks/results/evaluator-overhead.md");

    public int Rounds { get; init; } = 11;

    public int Warmup { get; init; } = 2;

    public int Threads { get; init; } = Environment.ProcessorCount;

    public string PenguinsModel { get; init; } = FromRepository("samples/penguins/model.onnx");

    public string PenguinsData { get; init; } = FromRepository("samples/penguins/eval.csv");

    public int PenguinsRows { get; init; } = 8192;

    public int MinRoundMilliseconds { get; init; } = 100;

    public string ResNetModel { get; init; } = Metadata("ResNet18Path");

    public int ResNetImages { get; init; } = 64;

    public bool SkipResNet { get; init; }

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
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
                "--penguins-model" => options with { PenguinsModel = Path.GetFullPath(value) },
                "--penguins-data" => options with { PenguinsData = Path.GetFullPath(value) },
                "--penguins-rows" => options with { PenguinsRows = Positive(name, value) },
                "--min-round-ms" => options with { MinRoundMilliseconds = Positive(name, value) },
                "--resnet-model" => options with { ResNetModel = Path.GetFullPath(value) },
                "--resnet-images" => options with { ResNetImages = Positive(name, value) },
                _ => throw new ArgumentException($"Unknown option {name}.\n{Usage}"),
            };
        }

        return options;
    }
}
