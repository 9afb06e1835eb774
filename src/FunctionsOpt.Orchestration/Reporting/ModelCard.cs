using System.Globalization;
using System.Text;
using FunctionsOpt.Orchestration.Contracts;
using static FunctionsOpt.Orchestration.Reporting.ReportFormat;

namespace FunctionsOpt.Orchestration.Reporting;

/// <summary>
/// <c>model-card.md</c> for the optimized model: where it came from (source model hash), what was done to it (passes
/// and parameters), which data calibrated it, metrics before and after, where it was measured, and its known limits.
/// Pure.
/// </summary>
public static class ModelCard
{
    /// <summary>
    /// What canonicalisation did and each lossy pass's coverage, from the records of the trial that built the chosen
    /// candidate (a promoted or re-evaluated trial reuses the candidate and has none of its own).
    /// </summary>
    private static void AppendRecords(StringBuilder md, RunState state, string? candidateHash)
    {
        var records = state.Trials.FirstOrDefault(t => t.CandidateHash == candidateHash && t.PassRecords.Count > 0)?.PassRecords ?? [];
        foreach (var record in records.Where(r => r.Coverage.Count > 0 || r.Pass == Core.Passes.Graph.CanonicalisePass.PassName))
        {
            var what = record.Coverage.Count > 0 ? "coverage " + string.Join(", ", record.Coverage) : string.Join("; ", record.Notes);
            var skipped = record.Skipped.Count > 0 ? $"; skipped {record.Skipped.Count}{(record.Skipped.Count > 5 ? " (first 5)" : string.Empty)}: " + string.Join("; ", record.Skipped.Take(5)) : string.Empty;
            md.Append("- `").Append(Markdown(record.Pass)).Append("` did: ").Append(Markdown(what + skipped)).Append('\n');
        }
    }

    /// <summary>The card; <paramref name="state"/> supplies what the report does not carry (the seed).</summary>
    public static string Render(ReportModel report, RunState state)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(state);
        var h = report.Headline;
        var best = report.Best;
        var md = new StringBuilder();
        md.Append("# Model card: ").Append(Markdown(report.Model?.Name ?? report.RunId)).Append(" (optimized)\n\n");
        md.Append("Produced by FunctionsOpt run `").Append(Markdown(report.RunId)).Append("`.\n\n## Source\n\n");
        if (report.Model is { } m)
        {
            md.Append("- Model: ").Append(Markdown(state.Spec.Model.Path ?? state.Spec.Model.Blob ?? m.Name)).Append('\n');
            md.Append("- SHA-256: `").Append(m.Sha256).Append("`\n");
            md.Append("- Size: ").Append(Bytes(m.SizeBytes)).Append('\n');
            md.Append("- Inputs: ").Append(Markdown(string.Join(", ", m.Inputs.Select(Signature)))).Append('\n');
            md.Append("- Outputs: ").Append(Markdown(string.Join(", ", m.Outputs.Select(Signature)))).Append('\n');
        }
        else
        {
            md.Append("- Not recorded (the baseline was not profiled).\n");
        }

        md.Append("\n## Optimization\n\n");
        if (best is null)
        {
            md.Append("No optimized model was chosen; the source model stands.\n");
        }
        else
        {
            md.Append("- Chosen trial: `").Append(Markdown(best.TrialId)).Append("`, candidate `").Append(Markdown(best.CandidateHash ?? "-")).Append("`\n");
            if (best.Passes.Count == 0)
            {
                md.Append("- Passes: none (the unmodified model was best)\n");
            }

            foreach (var pass in best.Passes)
            {
                var parameters = best.Parameters.Where(p => p.Key.StartsWith(pass + ".", StringComparison.Ordinal) && !p.Key.EndsWith(".enabled", StringComparison.Ordinal))
                    .Select(p => p.Key[(pass.Length + 1)..] + "=" + (p.Value.Length == 0 ? "(empty)" : p.Value));
                md.Append("- Pass `").Append(Markdown(pass)).Append("`: ").Append(Markdown(string.Join(", ", parameters))).Append('\n');
            }

            AppendRecords(md, state, best.CandidateHash);

            var calibration = best.Parameters.Where(p => p.Key.EndsWith(".calibration-samples", StringComparison.Ordinal) && best.Passes.Any(x => p.Key.StartsWith(x + ".", StringComparison.Ordinal))).Select(p => p.Value).FirstOrDefault();
            md.Append("- Calibration data: ");
            md.Append(calibration is null
                ? "none (no pass of the chosen model reads calibration data)"
                : FormattableString.Invariant($"up to {calibration} rows of {Markdown(report.Dataset)} (inputs only, never labels), a seeded subsample (seed {state.Spec.Seed}) of the evaluation rows"));
            md.Append('\n');
        }

        md.Append("\n## Metrics (evaluation set: ").Append(Markdown(report.Dataset)).Append(")\n\n| metric | before | after |\n|---|---:|---:|\n");
        foreach (var row in h.Rows)
        {
            md.Append("| ").Append(Markdown(row.Label)).Append(" | ").Append(Markdown(Value(row.Baseline, row.Unit))).Append(" | ").Append(Markdown(Value(row.Best, row.Unit))).Append(" |\n");
        }

        md.Append("\n## Constraints\n\n");
        if (h.Constraints.Count == 0)
        {
            md.Append("None were set.\n");
        }

        foreach (var c in h.Constraints)
        {
            md.Append("- ").Append(Markdown(c.Constraint)).Append(CultureInfo.InvariantCulture, $": {(c.Met ? "met" : "missed")} (value {Number(c.Value)}, bar {Number(c.Bar)}, {Markdown(c.Verdict)} given n={c.SampleCount} rows)\n");
        }

        md.Append("\n## Runtime\n\n");
        md.Append("- Provider: ").Append(Markdown(Provider(best?.Provider ?? report.Environment?.Provider))).Append('\n');
        if (report.Environment is { } e)
        {
            md.Append("- ONNX Runtime ").Append(Markdown(e.OrtVersion)).Append(", ").Append(Markdown(e.Cpu ?? "unknown CPU")).Append(CultureInfo.InvariantCulture, $", {e.ProcessorCount} logical processors\n");
        }

        md.Append("\n## Known limits\n\n");
        foreach (var limit in Limits(report))
        {
            md.Append("- ").Append(limit).Append('\n');
        }

        return md.ToString();
    }

    /// <summary>The limits that apply to this run's chosen model.</summary>
    public static IReadOnlyList<string> Limits(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var limits = new List<string>();
        var h = report.Headline;
        var best = report.Best;
        if (h.BestEffort)
        {
            limits.Add("Best effort: the chosen model does NOT meet every constraint; it is the candidate closest to the bar.");
        }

        if (h.Constraints.Any(c => c.Met && c.Verdict == "Uncertain"))
        {
            limits.Add("A constraint is met by the point estimate but within the sampling noise of the evaluation set; a larger evaluation set would settle it.");
        }

        var used = best?.Provider?.Used ?? report.Environment?.Provider.Used;
        if (best is not null && best.Passes.Contains("fp16") && used == ProviderName.Cpu)
        {
            limits.Add("fp16 on CPU gives size only: ONNX Runtime's CPU provider computes most fp16 operators by casting to fp32, so expect no speed-up there.");
        }

        if (best is not null && best.Passes.Any(p => p.StartsWith("quantize", StringComparison.Ordinal)))
        {
            limits.Add("Quantized operators were timed on this machine's CPU/GPU; int8 speed-ups depend on the instruction set (VNNI/AVX-512 or tensor cores) of the serving hardware.");
        }

        if (best is not null && best.Passes.Contains("prune-magnitude"))
        {
            limits.Add("Unstructured or N:M sparsity shrinks the gzip size; dense kernels do not run it faster unless the runtime has sparse kernels.");
        }

        if (best?.Provider is { FallbackReason: { } reason })
        {
            limits.Add("The requested provider was not available; measurements ran on the CPU (" + Markdown(reason) + ").");
        }

        limits.Add("Quality was measured on the given evaluation set only; data unlike it may behave differently.");
        return limits;
    }

    private static string Signature(TensorSignature t) =>
        t.Name + " " + t.ElementType + (t.Shape is { } s ? "[" + string.Join(",", s.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]" : "[?]");
}
