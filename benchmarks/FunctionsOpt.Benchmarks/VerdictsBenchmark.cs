using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Timing;

namespace FunctionsOpt.Benchmarks;

/// <summary>
/// Do the product's verdicts reproduce? For each case, runs <c>fopt optimize</c> in a child process (several times
/// with one seed, then with several seeds), reads the verdict from state.json, and re-measures the recommended model
/// (or, when the original is kept, the fastest finalist) against the original in a second, separate child process
/// (<c>remeasure</c>: interleaved, a fixed number of rounds, another seed). A claim reproduces when the re-measured
/// ratio lies inside the claimed interval. Writes benchmarks/verdicts.md.
/// </summary>
internal static class VerdictsBenchmark
{
    public const string Usage = """
        verdicts [--fopt PATH] [--repeat N] [--seeds N] [--rounds N] [--case NAME=MODEL|DATA|ARGS]... [--out FILE]
          Runs fopt optimize per case N times with seed 0 and once per seed 1..N-1, re-measures every verdict in a
          separate process, and writes the table to benchmarks/verdicts.md. Build fopt in Release first.
        remeasure --original M --candidate M [--data FILE] [--threads N] [--batch N] [--rounds N] [--seed N]
          Times two models interleaved for a fixed number of rounds and prints the ratio as JSON (used by verdicts).
        """;

    internal sealed record Case(string Name, string Model, string Data, string Args);

    internal sealed record Claim(string Case, int Run, int Seed, string Recommended, string Headline, string Kind, double? Ratio, double? Low, double? High, string? Candidate, int Threads, int Batch, string Passes);

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var root = RepositoryRoot();
        var fopt = Option(args, "--fopt") ?? Path.Combine(root, "src/FunctionsOpt.Cli/bin/Release/net10.0/fopt.dll");
        var repeat = OptionValues.Positive("--repeat", Option(args, "--repeat") ?? "5");
        var seeds = OptionValues.Positive("--seeds", Option(args, "--seeds") ?? "5");
        var rounds = OptionValues.Positive("--rounds", Option(args, "--rounds") ?? "30");
        var outFile = Option(args, "--out") ?? Path.Combine(root, "benchmarks/verdicts.md");
        var cases = Cases(args, root);
        var work = Path.Combine(Path.GetTempPath(), "fopt-verdicts");
        var machine = MachineInfo.Capture();
        var claims = new List<Claim>();
        var rows = new List<string>();
        foreach (var c in cases)
        {
            var plan = Enumerable.Range(0, repeat).Select(i => (Run: i, Seed: 0)).Concat(Enumerable.Range(1, Math.Max(0, seeds - 1)).Select(s => (Run: repeat + s - 1, Seed: s)));
            foreach (var (run, seed) in plan)
            {
                var claim = Optimize(fopt, c, run, seed, Path.Combine(work, c.Name, run.ToString(CultureInfo.InvariantCulture)));
                claims.Add(claim);
                var check = claim.Candidate is null ? null : Remeasure(c, claim, rounds, 1000 + run);
                rows.Add(Row(claim, check));
                output.WriteLine(rows[^1]);
            }
        }

        File.WriteAllText(outFile, Render(machine, args, cases, rows, claims, repeat, rounds));
        output.WriteLine($"Wrote {outFile}");
        return 0;
    }

    public static int Remeasure(IReadOnlyList<string> args, TextWriter output)
    {
        var original = Option(args, "--original") ?? throw new ArgumentException("--original is required");
        var candidate = Option(args, "--candidate") ?? throw new ArgumentException("--candidate is required");
        var threads = OptionValues.NonNegative("--threads", Option(args, "--threads") ?? "0");
        var batch = OptionValues.Positive("--batch", Option(args, "--batch") ?? "1");
        var rounds = OptionValues.Positive("--rounds", Option(args, "--rounds") ?? "30");
        var seed = long.Parse(Option(args, "--seed") ?? "1000", CultureInfo.InvariantCulture);
        var data = Option(args, "--data") is { } d ? LoadData(d, original) : null;
        var settings = new SessionSettings { IntraOpThreads = threads };
        var options = new TimingProtocolOptions { MinRounds = rounds, MaxRounds = rounds, MaxSeconds = 600, Seed = seed };
        InterleavedTiming timing;
        // The machine-wide timing lock fopt itself takes: no fopt process times while this re-measurement does.
        using (var gate = new Core.Optimization.MeasurementGate())
        using (gate.EnterAsync().GetAwaiter().GetResult())
        {
            timing = new InterleavedTimer(new InferenceSessionFactory()).Measure(
                [new TimedModel("original", original, new SessionSettings(), batch), new TimedModel("candidate", candidate, settings, batch)], data, options);
        }

        var e = timing["candidate"].P50VsReference!;
        output.WriteLine(JsonSerializer.Serialize(new { ratio = e.Ratio, low = e.Low, high = e.High, rounds = timing.Rounds, originalP50 = timing.Reference.P50Ms, candidateP50 = timing["candidate"].P50Ms }));
        return 0;
    }

    private static EvaluationDataset? LoadData(string path, string model)
    {
        var inputs = new OnnxModelInspector().Inspect(model).Inputs;
        var options = new DatasetLoadOptions { ModelInputs = inputs, InputName = inputs.Count == 1 ? inputs[0].Name : null };
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            // As fopt does: the label is the last column.
            options.Csv = new CsvReadOptions { InputName = options.InputName, LabelColumn = File.ReadLines(path).First().Split(',')[^1].Trim() };
        }

        return DatasetLoader.Load(path, options);
    }

    internal static Claim Optimize(string fopt, Case c, int run, int seed, string outDir)
    {
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, recursive: true);
        }

        var args = $"\"{fopt}\" optimize \"{c.Model}\" --data \"{c.Data}\" {c.Args} --seed {seed} --out \"{outDir}\"";
        var (code, text) = Exec("dotnet", args);
        var state = Directory.Exists(Path.Combine(outDir, "runs")) ? Directory.GetFiles(Path.Combine(outDir, "runs"), "state.json", SearchOption.AllDirectories).FirstOrDefault() : null;
        if (code != 0 || state is null)
        {
            return new Claim(c.Name, run, seed, "run failed", $"exit {code}: {Tail(text)}", "failed", null, null, null, null, 0, 1, "-");
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(state));
        if (!doc.RootElement.TryGetProperty("verdict", out var v) || v.ValueKind != JsonValueKind.Object)
        {
            return new Claim(c.Name, run, seed, "no verdict", "the run wrote no verdict", "none", null, null, null, null, 0, 1, "-");
        }

        var recommended = v.TryGetProperty("recommendedTrialId", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : null;
        var finalists = v.GetProperty("finalists").EnumerateArray().Where(f => f.TryGetProperty("ratio", out var x) && x.ValueKind == JsonValueKind.Number).ToList();
        // When the original is kept, the claim under test is "none of the finalists that meet the bar is measurably
        // faster": re-measure the fastest of those (a faster finalist that misses the bar was rightly not chosen).
        var eligible = finalists.Where(f => f.TryGetProperty("meetsConstraints", out var m) && m.GetBoolean()).ToList();
        var subject = recommended is null
            ? eligible.OrderBy(f => f.GetProperty("ratio").GetDouble()).Cast<JsonElement?>().FirstOrDefault()
            : finalists.First(f => f.GetProperty("trialId").GetString() == recommended);
        string? candidate = null;
        var passes = "-";
        if (subject is { } s)
        {
            var trialId = s.GetProperty("trialId").GetString();
            var trial = doc.RootElement.GetProperty("trials").EnumerateArray().First(t => t.GetProperty("trialId").GetString() == trialId);
            var hash = trial.GetProperty("candidateHash").GetString()!;
            candidate = Directory.GetFiles(Path.GetDirectoryName(state)!, hash + "*.onnx", SearchOption.AllDirectories).FirstOrDefault();
            passes = string.Join(" + ", s.GetProperty("passes").EnumerateArray().Select(p => p.GetString()).Where(p => p != "runtime"));
        }

        double? Num(JsonElement? e, string name) => e is { } x && x.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : null;
        return new Claim(
            c.Name, run, seed,
            recommended is null ? "original" : passes,
            v.GetProperty("headline").GetString()!,
            v.GetProperty("kind").GetString()!,
            Num(subject, "ratio"), Num(subject, "low"), Num(subject, "high"),
            candidate,
            subject is { } t && t.TryGetProperty("intraOpThreads", out var th) ? th.GetInt32() : 0,
            v.GetProperty("batchSize").GetInt32(),
            passes);
    }

    internal static (double Ratio, double Low, double High, int Rounds)? Remeasure(Case c, Claim claim, int rounds, int seed)
    {
        var self = Environment.ProcessPath!;
        var dll = typeof(VerdictsBenchmark).Assembly.Location;
        var prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? $"\"{dll}\" " : string.Empty;
        var (code, text) = Exec(self, prefix + $"remeasure --original \"{c.Model}\" --candidate \"{claim.Candidate}\" --data \"{c.Data}\" --threads {claim.Threads} --batch {claim.Batch} --rounds {rounds} --seed {seed}");
        var line = text.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (code != 0 || line is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        return (r.GetProperty("ratio").GetDouble(), r.GetProperty("low").GetDouble(), r.GetProperty("high").GetDouble(), r.GetProperty("rounds").GetInt32());
    }

    internal static string Row(Claim claim, (double Ratio, double Low, double High, int Rounds)? check, string? middle = null)
    {
        var claimed = claim.Ratio is { } r ? F($"{1 / r:0.00}x ({1 / claim.High!.Value:0.00}-{1 / claim.Low!.Value:0.00})") : "-";
        var again = check is { } k ? F($"{1 / k.Ratio:0.00}x ({1 / k.High:0.00}-{1 / k.Low:0.00}), {k.Rounds} rounds") : "-";
        var reproduces = check is { } x && claim.Low is { } lo && claim.High is { } hi
            ? (claim.Kind == "measurable-gain"
                ? (x.Ratio >= lo && x.Ratio <= hi ? "yes" : "NO")
                : (x.High < 1 ? "NO (re-measured faster)" : "yes (no measurable gain)"))
            : "-";
        return $"| {claim.Case} | {middle ?? $"{claim.Run} | {claim.Seed}"} | {claim.Recommended} | {claim.Headline} | {claimed} | {again} | {reproduces} |";
    }

    private static string Render(MachineInfo machine, IReadOnlyList<string> args, IReadOnlyList<Case> cases, List<string> rows, List<Claim> claims, int repeat, int rounds)
    {
        var text = new StringBuilder();
        text.AppendLine("# Verdicts that reproduce");
        text.AppendLine();
        text.AppendLine("Written by `dotnet build -c Release src/FunctionsOpt.Cli && dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- verdicts " + string.Join(' ', args) + "`.");
        text.AppendLine();
        text.AppendLine(F($"Machine: {machine.Cores} cores, {machine.CpuModel}, {machine.Os}, ONNX Runtime {machine.OrtVersion}, load average at start {machine.LoadAverage}, {machine.StartedUtc:yyyy-MM-dd HH:mm} UTC."));
        text.AppendLine();
        text.AppendLine("Each row is one `fopt optimize` run (a child process). *Claimed* is the verdict's speed-up of the recommended model");
        text.AppendLine("(or, when the original is kept, of the fastest finalist) with its 95% interval, from the final stage's interleaved");
        text.AppendLine(F($"session. *Re-measured* is an independent interleaved timing of the same two files in a separate process ({rounds} rounds,"));
        text.AppendLine("another seed). A measurable-gain claim reproduces when the re-measured ratio lies inside the claimed interval; a");
        text.AppendLine("no-measurable-gain claim is contradicted only when the re-measurement finds the candidate measurably faster.");
        text.AppendLine();
        text.AppendLine("| case | run | seed | recommended | verdict | claimed | re-measured (separate process) | reproduces |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows)
        {
            text.AppendLine(row);
        }

        text.AppendLine();
        text.AppendLine("## Same command, same seed");
        text.AppendLine();
        foreach (var c in cases)
        {
            var same = claims.Where(x => x.Case == c.Name && x.Run < repeat).Select(x => x.Recommended).ToList();
            text.AppendLine(F($"- {c.Name}: {same.Count} runs with seed 0 gave {same.Distinct().Count()} distinct recommendation(s): {string.Join(", ", same.Distinct())}."));
        }

        return text.ToString();
    }

    private static List<Case> Cases(IReadOnlyList<string> args, string root)
    {
        var custom = args.Select((a, i) => (a, i)).Where(x => x.a == "--case" && x.i + 1 < args.Count).Select(x => args[x.i + 1]).ToList();
        if (custom.Count > 0)
        {
            return custom.Select(text =>
            {
                var eq = text.IndexOf('=', StringComparison.Ordinal);
                var parts = text[(eq + 1)..].Split('|');
                return new Case(text[..eq], Path.GetFullPath(parts[0], root), Path.GetFullPath(parts[1], root), parts.Length > 2 ? parts[2] : string.Empty);
            }).ToList();
        }

        return
        [
            new("penguins", Path.Combine(root, "samples/penguins/model.onnx"), Path.Combine(root, "samples/penguins/eval.csv"), "--max-accuracy-drop 0.01"),
            new("shapes-cnn", Path.Combine(root, "samples/shapes-cnn/model.onnx"), Path.Combine(root, "samples/shapes-cnn/eval.npz"), "--max-accuracy-drop 0.01"),
        ];
    }

    internal static (int Code, string Text) Exec(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" ", lines.TakeLast(2)).Replace('|', '/');
    }

    internal static string? Option(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }

    internal static string RepositoryRoot() => OptionValues.Metadata("RepositoryRoot");

    private static string F(FormattableString text) => FormattableString.Invariant(text);
}
