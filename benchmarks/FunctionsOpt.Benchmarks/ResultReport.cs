using System.Globalization;
using System.Text;
using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Benchmarks;

/// <summary>One model and batch size: the samples of every variant and how their outputs compared.</summary>
internal sealed record CaseResult(
    string Model,
    int Batch,
    int Rows,
    int Rounds,
    string Baseline,
    IReadOnlyList<string> Ours,
    IReadOnlyDictionary<string, List<Sample>> Samples,
    double MaxAbsOutputDifference,
    string Note)
{
    public double MedianRowsPerSecond(string variant) => Measurement.Median(Samples[variant].Select(s => Rows / s.Seconds));

    public double Ratio(string variant) => MedianRowsPerSecond(variant) / MedianRowsPerSecond(Baseline);

    /// <summary>Median over rounds of (raw seconds / ours seconds) within the same round: less sensitive to drift.</summary>
    public double PairedRatio(string variant) =>
        Measurement.Median(Samples[variant].Zip(Samples[Baseline], (ours, raw) => raw.Seconds / ours.Seconds));

    /// <summary>Median share of the pass spent inside Session.Run, as the runner itself measures it.</summary>
    public double InsideRunShare(string variant) =>
        Measurement.Median(Samples[variant].Select(s => (s.InsideRunSeconds ?? double.NaN) / s.Seconds));

    /// <summary>Median per-row cost above the raw loop, in microseconds.</summary>
    public double OverheadMicrosecondsPerRow(string variant) =>
        (Measurement.Median(Samples[variant].Select(s => s.Seconds)) - Measurement.Median(Samples[Baseline].Select(s => s.Seconds))) / Rows * 1e6;
}

internal static class ResultReport
{
    public const double Goal = 0.9;

    public static string RenderTable(IReadOnlyList<CaseResult> cases)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Model | Batch | Rows | Ours | Ours median rows/s | Raw median rows/s | Ratio ours/raw | Paired ratio (median) | Rounds | Goal >= 0.9 |");
        sb.AppendLine("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var c in cases)
        {
            foreach (var ours in c.Ours)
            {
                sb.AppendLine(Invariant(
                    $"| {c.Model} | {c.Batch} | {c.Rows} | {ours} | {c.MedianRowsPerSecond(ours):N0} | {c.MedianRowsPerSecond(c.Baseline):N0} | {c.Ratio(ours):F3} | {c.PairedRatio(ours):F3} | {c.Rounds} | {(c.Ratio(ours) >= Goal ? "yes" : "**no**")} |"));
            }
        }

        return sb.ToString();
    }

    public static string Render(
        IReadOnlyList<CaseResult> cases, MachineInfo machine, SessionSettings settings, BenchmarkOptions options, IReadOnlyList<string> commandLine)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Evaluator overhead");
        sb.AppendLine();
        sb.AppendLine("FunctionsOpt's batched evaluation (`ModelRunner.Run`, and `ModelEvaluator.Evaluate` = runner + metrics) against the");
        sb.AppendLine("loop a user writes with the ONNX Runtime C# API directly (per batch: `OrtValue.CreateTensorValueFromMemory` over");
        sb.AppendLine("slices of the same arrays, `session.Run(runOptions, names, values, outputNames)`, copy each output span into a");
        sb.AppendLine("result array allocated once before the loop). Same process, one shared session per model, interleaved rounds.");
        sb.AppendLine("This file is written by the benchmark program; do not edit it by hand.");
        sb.AppendLine();
        sb.AppendLine("## Results");
        sb.AppendLine();
        sb.Append(RenderTable(cases));
        sb.AppendLine();
        sb.AppendLine("Ratio ours/raw = median rows/s of ours / median rows/s of raw. Paired ratio = median over rounds of");
        sb.AppendLine("raw time / ours time within the same round (robust to slow drift of the machine).");
        sb.AppendLine();
        sb.AppendLine("## How it was produced");
        sb.AppendLine();
        sb.AppendLine(Invariant($"- Command: `dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- {string.Join(' ', commandLine)}`"));
        sb.AppendLine(Invariant($"- Date (UTC): {machine.StartedUtc:yyyy-MM-dd HH:mm}"));
        sb.AppendLine(Invariant($"- Machine: {machine.Cores} logical cores ({machine.CpuModel}), {machine.Os}, {machine.Runtime}; load average at start {machine.LoadAverage}"));
        sb.AppendLine(Invariant($"- ONNX Runtime {machine.OrtVersion} (native CPU package), build configuration {machine.Configuration}"));
        sb.AppendLine(Invariant($"- Session (one per model, shared by all contenders): provider {settings.Provider.ToName()}, graph optimization {settings.OptimizationLevel}, intra-op threads {settings.IntraOpThreads}, sequential execution"));
        sb.AppendLine(Invariant($"- Method: {options.Warmup} untimed warm-up passes per contender, then {options.Rounds} rounds; each round runs every contender once, the order rotating by one each round; a full GC before every pass. Rows/s = dataset rows / wall time of one pass (for ours: including building the runner and the output arrays)."));
        sb.AppendLine();
        sb.AppendLine("## Details per case");
        foreach (var c in cases)
        {
            sb.AppendLine();
            sb.AppendLine(Invariant($"### {c.Model}, batch {c.Batch}, {c.Rows} rows"));
            sb.AppendLine();
            sb.AppendLine(Invariant($"- Data: {c.Note}"));
            sb.AppendLine(Invariant($"- Same work: max |runner output - raw output| = {c.MaxAbsOutputDifference:G3}"));
            foreach (var ours in c.Ours)
            {
                sb.AppendLine(Invariant(
                    $"- {ours}: {c.OverheadMicrosecondsPerRow(ours):F2} µs/row above raw (median times); median share of the pass inside `Session.Run` as the runner measures it: {c.InsideRunShare(ours):P1}"));
            }

            sb.AppendLine();
            sb.AppendLine("| Round | " + string.Join(" | ", c.Samples.Keys.Select(k => k + " ms")) + " |");
            sb.AppendLine("| ---: | " + string.Join(" | ", c.Samples.Keys.Select(_ => "---:")) + " |");
            for (var r = 0; r < c.Rounds; r++)
            {
                sb.AppendLine(Invariant($"| {r + 1} | ") + string.Join(" | ", c.Samples.Values.Select(s => Invariant($"{s[r].Seconds * 1000:F1}"))) + " |");
            }
        }

        return sb.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
