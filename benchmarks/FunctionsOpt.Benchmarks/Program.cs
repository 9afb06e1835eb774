using FunctionsOpt.Benchmarks;
using FunctionsOpt.Benchmarks.Scenes;

if (args.Length == 0 || args[0] is "--help" or "-h")
{
    Console.WriteLine(BenchmarkOptions.Usage);
    Console.WriteLine(PassesOptions.Usage);
    Console.WriteLine(VerdictsBenchmark.Usage);
    Console.WriteLine(RealModelsBenchmark.Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    switch (args[0])
    {
        case "evaluator-overhead":
            var options = BenchmarkOptions.Parse(args.Skip(1).ToList());
            EvaluatorOverheadBenchmark.Run(options, args, Console.Out);
            return 0;
        case "scenes":
            var folder = args.Length > 1 ? Path.GetFullPath(args[1]) : PassesOptions.DefaultScenesFolder;
            var bytes = SceneGenerator.Write(folder, SceneGenerator.DefaultCount);
            Console.WriteLine($"Wrote {SceneGenerator.DefaultCount} scenes to {folder} ({bytes} bytes).");
            return 0;
        case "compensation":
            CompensationBenchmark.Run(PassesOptions.Parse(args.Skip(1).ToList()), args, Console.Out);
            return 0;
        case "verdicts":
            return VerdictsBenchmark.Run(args.Skip(1).ToList(), Console.Out);
        case "real-models":
            return RealModelsBenchmark.Run(args.Skip(1).ToList(), Console.Out);
        case "remeasure":
            return VerdictsBenchmark.Remeasure(args.Skip(1).ToList(), Console.Out);
        case "passes":
            PassesBenchmark.Run(PassesOptions.Parse(args.Skip(1).ToList()), args, Console.Out);
            return 0;
        default:
            Console.Error.WriteLine($"Unknown benchmark '{args[0]}'.");
            Console.Error.WriteLine(BenchmarkOptions.Usage);
            return 2;
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or FileNotFoundException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
