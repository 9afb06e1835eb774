using System.Globalization;
using System.Text;
using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Benchmarks;

/// <summary>Renders benchmarks/passes.md: one table per model, the goals with met/not met, how it was measured.</summary>
internal static class PassesReport
{
    public const double ResNetSpeedupGoal = 2.5;
    public const double ResNetSizeGoal = 3.9;
    public const double ResNetCosineGoal = 0.99;
    public const double PenguinsDropGoalPoints = 1.0;

    public static string RenderTable(ModelResult model)
    {
        var sb = new StringBuilder();
        var baseline = model.Baseline;
        var large = model.Batches.Count > 1 ? model.Batches[1] : (int?)null;
        var header = "| Candidate | Size (bytes) | × smaller | gzip (bytes) | gzip × smaller | p50 batch 1 (ms) | × faster b1 | throughput b1 (rows/s) |";
        var rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
        if (large is { } b)
        {
            header += Invariant($" p50 batch {b} (ms) | × faster b{b} | throughput b{b} (rows/s) |");
            rule += " ---: | ---: | ---: |";
        }

        header += model.Case.Labelled ? " Accuracy | Δ accuracy (points) | Macro F1 |" : " Cosine to fp32 (mean) | Cosine (min) |";
        rule += model.Case.Labelled ? " ---: | ---: | ---: |" : " ---: | ---: |";
        sb.AppendLine(Invariant($"### {model.Case.Title}"));
        sb.AppendLine();
        sb.AppendLine(header);
        sb.AppendLine(rule);
        foreach (var c in model.Candidates)
        {
            if (!c.Built)
            {
                var columns = rule.Split('|', StringSplitOptions.RemoveEmptyEntries).Length - 1;
                sb.AppendLine($"| {c.Spec.Name} |" + string.Concat(Enumerable.Repeat(" n/a |", columns)));
                continue;
            }

            var row = Invariant(
                $"| {c.Spec.Name} | {c.Bytes!.Length:N0} | {(double)baseline.Bytes!.Length / c.Bytes.Length:F2} | {c.GzipBytes:N0} | {(double)baseline.GzipBytes / c.GzipBytes:F2} | {Ms(c.P50(1))} | {baseline.P50(1) / c.P50(1):F2} | {1 / c.P50(1):N0} |");
            if (large is { } lb)
            {
                row += Invariant($" {Ms(c.P50(lb))} | {baseline.P50(lb) / c.P50(lb):F2} | {lb / c.P50(lb):N0} |");
            }

            row += model.Case.Labelled
                ? Invariant($" {c.Classification!.Value.Accuracy:F4} | {(c.Classification.Value.Accuracy - baseline.Classification!.Value.Accuracy) * 100:+0.00;-0.00;0.00} | {c.Classification.Value.MacroF1:F4} |")
                : Invariant($" {c.Fidelity!.Value.Mean:F5} | {c.Fidelity.Value.Min:F5} |");
            sb.AppendLine(row);
        }

        return sb.ToString();
    }

    public static string RenderGoals(IReadOnlyList<ModelResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Goal | Candidate | Measured | Met |");
        sb.AppendLine("| --- | --- | --- | --- |");
        var resnet = results.FirstOrDefault(r => !r.Case.Labelled);
        if (resnet is null)
        {
            sb.AppendLine("| ResNet18 static int8 | - | not run (--skip-resnet) | - |");
        }
        else
        {
            var fp32 = resnet.Baseline;
            foreach (var c in resnet.Candidates.Where(c => c.Spec.Name.StartsWith("static", StringComparison.Ordinal)))
            {
                if (!c.Built)
                {
                    sb.AppendLine($"| ResNet18 static int8: >= {ResNetSpeedupGoal}x faster at batch 1, >= {ResNetSizeGoal}x smaller, cosine >= {ResNetCosineGoal} | {c.Spec.Name} | refused | **no** |");
                    continue;
                }

                var speedup = fp32.P50(1) / c.P50(1);
                var smaller = (double)fp32.Bytes!.Length / c.Bytes!.Length;
                var cosine = c.Fidelity!.Value.Mean;
                var met = speedup >= ResNetSpeedupGoal && smaller >= ResNetSizeGoal && cosine >= ResNetCosineGoal;
                sb.AppendLine(Invariant(
                    $"| ResNet18 static int8: >= {ResNetSpeedupGoal}x faster at batch 1, >= {ResNetSizeGoal}x smaller, cosine >= {ResNetCosineGoal} | {c.Spec.Name} | {speedup:F2}x faster{Mark(speedup >= ResNetSpeedupGoal)}, {smaller:F2}x smaller{Mark(smaller >= ResNetSizeGoal)}, cosine {cosine:F4}{Mark(cosine >= ResNetCosineGoal)} | {(met ? "yes" : "**no**")} |"));
            }
        }

        var penguins = results.First(r => r.Case.Title.StartsWith("penguins", StringComparison.Ordinal));
        foreach (var c in penguins.Candidates.Where(c => c.Spec.Family == "quantization"))
        {
            if (!c.Built)
            {
                sb.AppendLine($"| penguins int8 accuracy drop <= {PenguinsDropGoalPoints} point | {c.Spec.Name} | refused | **no** |");
                continue;
            }

            var drop = (penguins.Baseline.Classification!.Value.Accuracy - c.Classification!.Value.Accuracy) * 100;
            sb.AppendLine(Invariant(
                $"| penguins int8 accuracy drop <= {PenguinsDropGoalPoints} point | {c.Spec.Name} | drop {drop:F2} points ({penguins.Baseline.Classification.Value.Accuracy:F4} → {c.Classification.Value.Accuracy:F4}) | {(drop <= PenguinsDropGoalPoints ? "yes" : "**no**")} |"));
        }

        var cnn = results.First(r => r.Case.Title.StartsWith("shapes-cnn", StringComparison.Ordinal));
        var pruned = cnn.Candidates.First(c => c.Spec.Name == "magnitude 50%");
        var compensated = cnn.Candidates.First(c => c.Spec.Name == "magnitude 50% + compensation");
        if (pruned.Built && compensated.Built)
        {
            var fp32 = cnn.Baseline.Classification!.Value.Accuracy;
            var lost = (fp32 - pruned.Classification!.Value.Accuracy) * 100;
            var recovered = (compensated.Classification!.Value.Accuracy - pruned.Classification.Value.Accuracy) * 100;
            var verdict = lost <= 0 ? "vacuous (pruning lost nothing)" : recovered >= lost / 2 ? "yes" : "**no**";
            sb.AppendLine(Invariant(
                $"| shapes-cnn: compensation recovers >= half of what 50% magnitude pruning loses | magnitude 50% + compensation | fp32 {fp32:F4}, pruned {pruned.Classification.Value.Accuracy:F4} (lost {lost:F2} points), compensated {compensated.Classification.Value.Accuracy:F4} (recovered {recovered:F2} points = {(lost > 0 ? recovered / lost : double.NaN):P0} of the loss) | {verdict} |"));
        }
        else
        {
            sb.AppendLine("| shapes-cnn: compensation recovers >= half of what 50% magnitude pruning loses | magnitude 50% + compensation | a candidate was refused | **no** |");
        }

        return sb.ToString();
    }

    public static string Render(
        IReadOnlyList<ModelResult> results, MachineInfo machine, string endLoad, SessionSettings settings, PassesOptions options,
        IReadOnlyList<string> commandLine, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Compression passes on the real models");
        sb.AppendLine();
        sb.AppendLine("Every pass family of the catalogue on the three real models, side by side in one run: size, gzip size, latency");
        sb.AppendLine("(p50) at batch 1 and at the largest batch the model allows, throughput, and accuracy (labelled models) or");
        sb.AppendLine("fidelity to fp32 (ResNet18). Ratios are against the fp32 row of the same model in the same run.");
        sb.AppendLine("This file is written by the benchmark program; do not edit it by hand.");
        sb.AppendLine();
        sb.AppendLine("## Goals");
        sb.AppendLine();
        sb.Append(RenderGoals(results));
        sb.AppendLine();
        sb.AppendLine("## Results");
        sb.AppendLine();
        sb.AppendLine("× smaller = fp32 bytes / candidate bytes; × faster = fp32 p50 / candidate p50 (same batch); throughput = batch / p50.");
        sb.AppendLine("n/a = the pipeline refused the candidate with a typed error (reason under \"Details\").");
        sb.AppendLine();
        foreach (var result in results)
        {
            sb.Append(RenderTable(result));
            sb.AppendLine();
        }

        sb.AppendLine("## How it was produced");
        sb.AppendLine();
        sb.AppendLine(Invariant($"- Command: `dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- {string.Join(' ', commandLine)}`"));
        sb.AppendLine(Invariant($"- Date (UTC): {machine.StartedUtc:yyyy-MM-dd HH:mm}; run time {elapsed.TotalMinutes:F1} min"));
        sb.AppendLine(Invariant($"- Machine: {machine.Cores} logical cores ({machine.CpuModel}), {machine.Os}, {machine.Runtime}"));
        sb.AppendLine(Invariant($"- Load average (1/5/15 min) at start {machine.LoadAverage}, at end {endLoad}. The machine is shared with other builds; absolute times are noisy, the interleaved ratios much less so."));
        sb.AppendLine(Invariant($"- ONNX Runtime {machine.OrtVersion} (native CPU package), build configuration {machine.Configuration}"));
        sb.AppendLine(Invariant($"- Sessions: provider {settings.Provider.ToName()}, graph optimization {settings.OptimizationLevel}, intra-op threads {settings.IntraOpThreads} for every candidate, sequential execution; only one session runs at any time."));
        sb.AppendLine(Invariant($"- Timing: per model and batch size, the number of calls per round is sized so the fp32 model takes about {options.RoundMilliseconds} ms (at least 10 calls); then {options.Warmup} untimed warm-up round(s) and {options.Rounds} timed rounds. Each round runs every candidate for that many calls, one candidate at a time, the order rotating by one each round, with a full GC and a 20 ms pause (so the previous session's worker threads stop spinning) before each candidate. Every `Session.Run` (one pre-built input tensor, all outputs) is timed; p50 is the median of all timed calls of that candidate."));
        sb.AppendLine("- Candidates are built with `PassPipeline.Run` from the fp32 model (so every one has passed an ORT load); the pipeline hands `compensate-error` the model before pruning as its reference. Parameters not shown take the pass's declared defaults.");
        sb.AppendLine();
        sb.AppendLine("## Details");
        foreach (var result in results)
        {
            sb.AppendLine();
            sb.AppendLine(Invariant($"### {result.Case.Title}"));
            sb.AppendLine();
            sb.AppendLine(Invariant($"- Quality: {result.Case.DataNote}."));
            sb.AppendLine(Invariant($"- Batch sizes: {result.BatchNote}; calls per round: {string.Join(", ", result.CallsPerRound.Select(kv => Invariant($"batch {kv.Key}: {kv.Value}")))}."));
            if (result.Case.Preparation.Count > 0)
            {
                sb.AppendLine(Invariant($"- Preparation before static int8: {string.Join(" → ", result.Case.Preparation.Select(s => s.Pass.Name))}."));
                if (result.Candidates.FirstOrDefault(c => c.Spec.Name == "fp32 prepared") is { Built: true } control)
                {
                    // ORT's All level folds BatchNormalization itself, so the prepared fp32 model should time the same.
                    var ratios = string.Join(", ", result.Batches.Select(b => Invariant($"batch {b}: {result.Baseline.P50(b) / control.P50(b):F2}x")));
                    sb.AppendLine(Invariant($"- Noise control: \"fp32 prepared\" runs the same computation as fp32 once ORT has optimized it; its speed ratio ({ratios}) should be 1.00, and its distance from 1.00 is a measure of this run's timing noise."));
                }
            }

            sb.AppendLine();
            foreach (var c in result.Candidates)
            {
                sb.AppendLine(Invariant($"- **{c.Spec.Name}** ({c.Spec.Family}): `{c.Spec.Recipe}`"));
                if (!c.Built)
                {
                    sb.AppendLine(Invariant($"  - refused: {c.Refusal}"));
                    continue;
                }

                var latency = string.Join("; ", result.Batches.Select(b => Invariant($"batch {b}: p50 {Ms(c.P50(b))} ms, p90 {Ms(c.Percentile(b, 90))} ms over {c.Latencies[b].Count} calls")));
                sb.AppendLine(Invariant($"  - built in {c.BuildSeconds:F1} s; {latency}"));
                foreach (var record in c.Records)
                {
                    var facts = record.Notes.Where(n => n.StartsWith("overall", StringComparison.Ordinal) || !n.Contains(": sparsity ", StringComparison.Ordinal)).Take(4).Select(Short).ToList();
                    var skipped = record.Skipped.Count == 0
                        ? string.Empty
                        : Invariant($"; skipped {record.Skipped.Count}: ") + string.Join(" | ", record.Skipped.Take(3).Select(Short)) + (record.Skipped.Count > 3 ? " | …" : string.Empty);
                    sb.AppendLine(Invariant($"  - {record.Pass}: {record.NodesTouched} node(s) touched, initializers {record.InitializerBytesBefore:N0} → {record.InitializerBytesAfter:N0} bytes{(facts.Count > 0 ? "; " + string.Join(" | ", facts) : string.Empty)}{skipped}"));
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>Milliseconds with four significant digits (penguins at batch 1 runs in microseconds).</summary>
    private static string Ms(double seconds) => (seconds * 1000).ToString("G4", CultureInfo.InvariantCulture);

    private static string Mark(bool ok) => ok ? string.Empty : " (below goal)";

    private static string Short(string text)
    {
        var single = text.ReplaceLineEndings(" ").Replace("|", "/", StringComparison.Ordinal);
        return single.Length <= 220 ? single : single[..217] + "...";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
