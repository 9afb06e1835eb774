using System.Diagnostics;
using System.Globalization;
using System.Text;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search.Space;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Benchmarks;

/// <summary>
/// "compensation": what error compensation recovers, on the same real models as "passes". Quantization without
/// compensation, with bias correction, with GPTQ rounding and with both; magnitude pruning without compensation,
/// with the bias-only compensation and with least-squares reconstruction (Conv included) plus bias correction.
/// Quality only (accuracy, macro F1, and fidelity of the pre-softmax logits or the features to fp32): these numbers
/// are deterministic, so no timing. Writes its section of benchmarks/passes.md between markers.
/// </summary>
internal static class CompensationBenchmark
{
    public const string SectionId = "compensation";

    public static void Run(PassesOptions options, IReadOnlyList<string> commandLine, TextWriter log)
    {
        var machine = MachineInfo.Capture();
        var stopwatch = Stopwatch.StartNew();
        var catalogue = new DefaultPassCatalogue();
        var settings = new SessionSettings { Provider = ExecutionProvider.Cpu, IntraOpThreads = options.Threads, OptimizationLevel = GraphOptimization.All };
        var tables = new StringBuilder();
        foreach (var modelCase in PassesBenchmark.Cases(options, catalogue))
        {
            log.WriteLine($"== {modelCase.Title}");
            tables.AppendLine(RunModel(modelCase, catalogue, settings, log));
        }

        var section = new StringBuilder();
        section.AppendLine("## Error compensation: what it recovers");
        section.AppendLine();
        section.AppendLine("Written by `dotnet run -c Release --project benchmarks/FunctionsOpt.Benchmarks -- compensation` (a `passes` run keeps this section). Quality only: every number here is deterministic, so nothing is timed.");
        section.AppendLine();
        section.AppendLine("- Quantization: `quantize-static` U8S8 (after the same graph preparation as above) with `rounding` = nearest | gptq and `bias-correction` off | on; `quantize-dynamic` per tensor with `reduce-range` (7-bit weights, ±63), where it applies. GPTQ and bias correction use the float model's layer inputs on the calibration rows (H = XᵀX, damping 1% of mean diag, at most 8192 sampled rows per layer).");
        section.AppendLine("- Pruning: `prune-magnitude` 50% unstructured (default min-params 1024), then `compensate-error` with `compensation=bias` (what compensation could do for Conv before: bias correction only) or `reconstruct-bias` (least-squares reconstruction, Conv now included via im2col, then bias correction).");
        section.AppendLine("- The `magnitude 50% + compensation` rows in the tables above come from the last `passes` run (its date is under \"How it was produced\"); `compensate-error` defaults to `reconstruct-bias`, which since this section was added also reconstructs Conv weights, so compare with the `+ reconstruct + bias` rows here.");
        section.AppendLine("- Fidelity: per-row cosine and relative RMS error ‖y − y_fp32‖ / ‖y_fp32‖ of the pre-softmax logits (labelled models) or the 512 features (ResNet18), against the fp32 model, on the evaluation rows. Build = seconds to build the candidate through `PassPipeline` (includes calibration).");
        section.AppendLine();
        section.Append(tables);
        section.AppendLine(Invariant($"- Date (UTC): {machine.StartedUtc:yyyy-MM-dd HH:mm}; run time {stopwatch.Elapsed.TotalMinutes:F1} min; {machine.Cores} logical cores ({machine.CpuModel}), {machine.Runtime}, ONNX Runtime {machine.OrtVersion}, {machine.Configuration}; load average at start {machine.LoadAverage}"));
        section.AppendLine($"- Command line: `{string.Join(' ', commandLine)}`");
        var existing = File.Exists(options.OutputPath) ? File.ReadAllText(options.OutputPath) : "# Compression passes on the real models\n";
        Directory.CreateDirectory(Path.GetDirectoryName(options.OutputPath)!);
        File.WriteAllText(options.OutputPath, MarkdownSection.Replace(existing, SectionId, section.ToString()));
        log.WriteLine(section.ToString());
        log.WriteLine($"Wrote the compensation section of {options.OutputPath} in {stopwatch.Elapsed.TotalMinutes:F1} min");
    }

    private static string RunModel(ModelCase modelCase, DefaultPassCatalogue catalogue, SessionSettings settings, TextWriter log)
    {
        var sessions = new InferenceSessionFactory();
        var context = new PassContext(sessions, modelCase.Calibration, Path.GetTempPath());
        var fidelityValue = FidelityValue(modelCase.Model, modelCase.Labelled);
        var rows = new List<string>();
        double[]? reference = null;
        double? referenceAccuracy = null;
        foreach (var spec in Candidates(modelCase, catalogue))
        {
            var result = PassesBenchmark.Build(modelCase.Model, spec, context);
            if (!result.Built)
            {
                log.WriteLine($"  {spec.Name}: refused ({result.Refusal})");
                rows.Add($"| {spec.Name} | n/a | n/a | n/a | n/a | n/a | refused: {result.Refusal!.Replace('|', '/')} |");
                continue;
            }

            var model = ModelProto.Parser.ParseFrom(result.Bytes);
            var values = Outputs(model, fidelityValue, modelCase.Evaluation, sessions, settings);
            reference ??= values;
            var (cosine, minCosine, relative) = Fidelity(reference, values, modelCase.Evaluation.Count);
            string quality;
            if (modelCase.Labelled)
            {
                using var handle = sessions.Create(result.Bytes!, spec.Name, settings);
                var report = ModelEvaluator.Evaluate(handle, modelCase.Evaluation, new EvaluationRequest { Task = EvaluationTask.Classification, BatchSize = 32 }).Result.Classification!;
                referenceAccuracy ??= report.Accuracy;
                quality = Invariant($"{report.Accuracy:F4} | {(report.Accuracy - referenceAccuracy.Value) * 100:+0.00;-0.00;0.00} | {report.MacroAverage.F1:F4}");
            }
            else
            {
                quality = Invariant($"n/a | n/a | min cosine {minCosine:F5}");
            }

            var row = Invariant($"| {spec.Name} | {quality} | {cosine:F6} | {relative:F5} | {result.BuildSeconds:F1} |");
            rows.Add(row);
            log.WriteLine("  " + row);
        }

        var sb = new StringBuilder();
        sb.AppendLine($"### {modelCase.Title}");
        sb.AppendLine();
        sb.AppendLine($"Fidelity value: `{fidelityValue}`. {modelCase.DataNote}.");
        sb.AppendLine();
        sb.AppendLine("| Candidate | Accuracy | Δ accuracy (points) | Macro F1 | Cosine to fp32 (mean) | Relative RMS error | Build (s) |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            sb.AppendLine(row);
        }

        return sb.ToString();
    }

    private static List<CandidateSpec> Candidates(ModelCase modelCase, DefaultPassCatalogue catalogue)
    {
        var prep = modelCase.Preparation;
        var list = new List<CandidateSpec> { new("fp32", "baseline", []) };
        (string Rounding, bool Bias, string Label)[] variants = [("nearest", false, "nearest"), ("nearest", true, "nearest + bias"), ("gptq", false, "gptq"), ("gptq", true, "gptq + bias")];
        foreach (var perChannel in new[] { false, true })
        {
            foreach (var (rounding, bias, label) in variants)
            {
                list.Add(new(
                    $"static int8 U8S8 {(perChannel ? "per-channel" : "per-tensor")}, {label}",
                    "quantization",
                    [.. prep, PassesBenchmark.Step(
                        catalogue,
                        "quantize-static",
                        ("per-channel", ParameterValue.Of(perChannel)),
                        ("activation-type", ParameterValue.Of("uint8")),
                        ("rounding", ParameterValue.Of(rounding)),
                        ("bias-correction", ParameterValue.Of(bias)))]));
            }
        }

        if (modelCase.Labelled && modelCase.Preparation.Count == 0)
        {
            foreach (var (rounding, bias, label) in variants)
            {
                list.Add(new(
                    $"dynamic 7-bit per-tensor, {label}",
                    "quantization",
                    [PassesBenchmark.Step(
                        catalogue,
                        "quantize-dynamic",
                        ("per-channel", ParameterValue.Of(false)),
                        ("reduce-range", ParameterValue.Of(true)),
                        ("rounding", ParameterValue.Of(rounding)),
                        ("bias-correction", ParameterValue.Of(bias)))]));
            }
        }

        if (modelCase.Labelled)
        {
            var magnitude = PassesBenchmark.Step(catalogue, "prune-magnitude", ("mode", ParameterValue.Of("unstructured")), ("sparsity", ParameterValue.Of(0.5)));
            list.Add(new("magnitude 50%", "pruning", [magnitude]));
            list.Add(new("magnitude 50% + bias only", "pruning + compensation", [magnitude, PassesBenchmark.Step(catalogue, "compensate-error", ("compensation", ParameterValue.Of("bias")))]));
            list.Add(new("magnitude 50% + reconstruct", "pruning + compensation", [magnitude, PassesBenchmark.Step(catalogue, "compensate-error", ("compensation", ParameterValue.Of("reconstruct")))]));
            list.Add(new("magnitude 50% + reconstruct + bias", "pruning + compensation", [magnitude, PassesBenchmark.Step(catalogue, "compensate-error", ("compensation", ParameterValue.Of("reconstruct-bias")))]));
        }

        return list;
    }

    /// <summary>The pre-softmax value when the first output comes out of a Softmax (labelled models), else the first output.</summary>
    private static string FidelityValue(ModelProto model, bool labelled)
    {
        var first = model.Graph.Output[0].Name;
        var softmax = model.Graph.Node.FirstOrDefault(n => n.OpType == "Softmax" && n.Output[0] == first);
        return labelled && softmax is not null ? softmax.Input[0] : first;
    }

    private static double[] Outputs(ModelProto model, string value, EvaluationDataset data, InferenceSessionFactory sessions, SessionSettings settings)
    {
        var probe = model.Clone();
        if (probe.Graph.Output.All(o => o.Name != value))
        {
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = value,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        using var handle = sessions.Create(probe.ToByteArray(), "fidelity", settings);
        var runner = new ModelRunner(handle);
        return runner.Run(data, runner.EffectiveBatchSize(32), [value]).Outputs[value].ToDoubleArray();
    }

    private static (double Mean, double Min, double Relative) Fidelity(double[] reference, double[] values, int rows)
    {
        var size = reference.Length / rows;
        var cosines = new double[rows];
        double error = 0, norm = 0;
        for (var r = 0; r < rows; r++)
        {
            double dot = 0, na = 0, nb = 0;
            for (var i = r * size; i < (r + 1) * size; i++)
            {
                dot += reference[i] * values[i];
                na += reference[i] * reference[i];
                nb += values[i] * values[i];
                error += (reference[i] - values[i]) * (reference[i] - values[i]);
            }

            norm += na;
            cosines[r] = dot / Math.Sqrt(na * nb);
        }

        return (cosines.Average(), cosines.Min(), Math.Sqrt(error / norm));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
