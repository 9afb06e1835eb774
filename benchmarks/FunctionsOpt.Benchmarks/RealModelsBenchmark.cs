using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FunctionsOpt.Benchmarks;

/// <summary>
/// <c>fopt optimize</c> on every model of the real-export corpus (samples/corpus/manifest.json), from the CLI on its
/// <c>.npz</c> data, as a user runs it: (A) the default search with its verdict, re-measured in a separate process;
/// (B) a static-int8-only run with a size objective, for int8 coverage (every quantize-static trial's pass record:
/// layers quantized per operator and each skipped node's reason), the int8 size ratio and accuracy. Writes
/// benchmarks/real-models.md.
/// </summary>
internal static class RealModelsBenchmark
{
    public const string Usage = """
        real-models [--fopt PATH] [--only NAME] [--rounds N] [--budget N] [--out FILE]
          Runs fopt optimize on each corpus model twice (default passes; quantize-static with a size objective),
          re-measures the default run's verdict in a separate process, writes benchmarks/real-models.md.
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var root = VerdictsBenchmark.RepositoryRoot();
        var fopt = VerdictsBenchmark.Option(args, "--fopt") ?? Path.Combine(root, "src/FunctionsOpt.Cli/bin/Release/net10.0/fopt.dll");
        var rounds = OptionValues.Positive("--rounds", VerdictsBenchmark.Option(args, "--rounds") ?? "30");
        var budget = VerdictsBenchmark.Option(args, "--budget") ?? "9";
        var only = VerdictsBenchmark.Option(args, "--only");
        var outFile = VerdictsBenchmark.Option(args, "--out") ?? Path.Combine(root, "benchmarks/real-models.md");
        var corpus = Path.Combine(root, "samples/corpus");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(corpus, "manifest.json")));
        var machine = MachineInfo.Capture();
        var rows = new List<string>();
        var int8Rows = new List<string>();
        var work = Path.Combine(Path.GetTempPath(), "fopt-real-models");
        foreach (var model in manifest.RootElement.GetProperty("models").EnumerateArray())
        {
            var name = model.GetProperty("name").GetString()!;
            if (only is not null && !name.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }

            var path = Path.Combine(corpus, model.GetProperty("path").GetString()!);
            var data = Path.Combine(corpus, model.GetProperty("data").GetString()!);
            var bar = $"--max-accuracy-drop 0.02 --budget {budget}";
            var c = new VerdictsBenchmark.Case(name, path, data, bar);
            var claim = VerdictsBenchmark.Optimize(fopt, c, 0, 0, Path.Combine(work, name, "default"));
            var check = claim.Candidate is null ? null : VerdictsBenchmark.Remeasure(c, claim, rounds, 1000);
            var (trials, invalid) = TrialCounts(Path.Combine(work, name, "default"));
            rows.Add(VerdictsBenchmark.Row(claim, check, FormattableString.Invariant($"{trials} | {invalid}")));
            output.WriteLine(rows[^1]);

            var int8Dir = Path.Combine(work, name, "int8");
            var int8 = new VerdictsBenchmark.Case(name, path, data, "--max-accuracy-drop 0.02 --budget 3 --passes quantize-static --objective size");
            var int8Claim = VerdictsBenchmark.Optimize(fopt, int8, 0, 0, int8Dir);
            int8Rows.Add(Int8Row(name, int8Dir, int8Claim));
            output.WriteLine(int8Rows[^1]);
        }

        File.WriteAllText(outFile, Render(machine, args, rows, int8Rows, rounds, budget));
        output.WriteLine($"Wrote {outFile}");
        return 0;
    }

    private static (int Trials, int Invalid) TrialCounts(string outDir)
    {
        var state = StatePath(outDir);
        if (state is null)
        {
            return (0, 0);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(state));
        var trials = doc.RootElement.GetProperty("trials").EnumerateArray().Where(t => !t.GetProperty("trialId").GetString()!.StartsWith("final-", StringComparison.Ordinal)).ToList();
        return (trials.Count, trials.Count(t => t.TryGetProperty("status", out var s) && s.GetString() == "invalid"));
    }

    private static string Int8Row(string name, string outDir, VerdictsBenchmark.Claim claim)
    {
        var state = StatePath(outDir);
        if (state is null)
        {
            return $"| {name} | run failed: {claim.Headline} | - | - | - |";
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(state));
        var baseline = doc.RootElement.GetProperty("baseline").GetProperty("metrics");
        var baseSize = baseline.GetProperty("size.bytes").GetDouble();
        var baseAcc = baseline.TryGetProperty("accuracy", out var a) ? a.GetDouble() : double.NaN;
        var quantized = doc.RootElement.GetProperty("trials").EnumerateArray()
            .Where(t => t.TryGetProperty("status", out var s) && s.GetString() == "ok" && t.TryGetProperty("passRecords", out _))
            .Select(t => (Trial: t, Record: t.GetProperty("passRecords").EnumerateArray().FirstOrDefault(r => r.GetProperty("pass").GetString() == "quantize-static")))
            .Where(x => x.Record.ValueKind == JsonValueKind.Object)
            .ToList();
        var failures = doc.RootElement.GetProperty("trials").EnumerateArray().Count(t => t.TryGetProperty("status", out var s) && s.GetString() != "ok");
        if (quantized.Count == 0)
        {
            var reason = doc.RootElement.GetProperty("trials").EnumerateArray().Select(t => t.TryGetProperty("error", out var e) ? e.GetProperty("message").GetString() : null).FirstOrDefault(m => m is not null) ?? "no int8 candidate was built";
            return $"| {name} | none built ({failures} trials failed) | - | - | {Clip(reason)} |";
        }

        var smallest = quantized.OrderBy(x => x.Trial.GetProperty("metrics").GetProperty("size.bytes").GetDouble()).First();
        var coverage = string.Join("; ", smallest.Record.GetProperty("coverage").EnumerateArray().Select(c => c.GetString()));
        var skipped = smallest.Record.TryGetProperty("skipped", out var sk) ? sk.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
        var metrics = smallest.Trial.GetProperty("metrics");
        var ratio = baseSize / metrics.GetProperty("size.bytes").GetDouble();
        var acc = metrics.TryGetProperty("accuracy", out var qa) ? qa.GetDouble() : double.NaN;
        var skippedText = skipped.Count == 0 ? "none" : $"{skipped.Count}: " + Clip(string.Join("; ", skipped.Take(3)));
        return FormattableString.Invariant($"| {name} | {coverage} | {ratio:0.00}x | {baseAcc:0.0000} → {acc:0.0000} | {skippedText}; verdict: {claim.Headline} |");
    }

    private static string? StatePath(string outDir) =>
        Directory.Exists(Path.Combine(outDir, "runs")) ? Directory.GetFiles(Path.Combine(outDir, "runs"), "state.json", SearchOption.AllDirectories).FirstOrDefault() : null;

    private static string Clip(string text) => (text.Length > 160 ? text[..160] + "…" : text).Replace('|', '/').Replace('\n', ' ');

    private static string Render(MachineInfo machine, IReadOnlyList<string> args, List<string> rows, List<string> int8Rows, int rounds, string budget)
    {
        var text = new StringBuilder();
        text.AppendLine("# Real models: fopt on the real-export corpus");
        text.AppendLine();
        text.AppendLine("Written by `dotnet build -c Release src/FunctionsOpt.Cli && dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- real-models " + string.Join(' ', args) + "`.");
        text.AppendLine("The corpus is `samples/corpus` (PyTorch 1.13 TorchScript exports, see its README). Every run is the CLI as a user runs it,");
        text.AppendLine(FormattableString.Invariant($"on the model's `.npz` evaluation set, `--max-accuracy-drop 0.02 --budget {budget}`, a child process per run."));
        text.AppendLine();
        text.AppendLine(FormattableString.Invariant($"Machine: {machine.Cores} cores, {machine.CpuModel}, ONNX Runtime {machine.OrtVersion}, load average at start {machine.LoadAverage}, {machine.StartedUtc:yyyy-MM-dd HH:mm} UTC."));
        text.AppendLine();
        text.AppendLine("## Default search and its verdict");
        text.AppendLine();
        text.AppendLine(FormattableString.Invariant($"*Claimed*: the verdict's speed-up of the recommended model (or of the fastest finalist when the original is kept), 95% interval. *Re-measured*: the same two files timed interleaved in a separate process ({rounds} rounds)."));
        text.AppendLine();
        text.AppendLine("| model | search trials | invalid | recommended | verdict | claimed | re-measured (separate process) | reproduces |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        rows.ForEach(r => text.AppendLine(r));
        text.AppendLine();
        text.AppendLine("## Static int8 (`--passes quantize-static --objective size --budget 3`)");
        text.AppendLine();
        text.AppendLine("Coverage and size of the smallest int8 candidate the run built (its pass record), accuracy on the full evaluation set at its trial's budget.");
        text.AppendLine();
        text.AppendLine("| model | int8 coverage | size ratio | accuracy (original → int8) | skipped nodes; verdict |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        int8Rows.ForEach(r => text.AppendLine(r));
        return text.ToString();
    }
}
