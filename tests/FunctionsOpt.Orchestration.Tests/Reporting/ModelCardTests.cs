using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class ModelCardTests
{
    [Fact]
    public void Render_SampleRun_SourceHashPassesMetricsAndLimits()
    {
        var state = ReportSamples.Completed();

        var card = ModelCard.Render(ReportModelBuilder.Build(state), state);

        Assert.Contains("- SHA-256: `" + new string('a', 64) + "`", card, StringComparison.Ordinal);
        Assert.Contains("- Pass `quantize-dynamic`: op-types=MatMul,Gemm", card, StringComparison.Ordinal);
        Assert.Contains("- Calibration data: none", card, StringComparison.Ordinal);
        Assert.Contains("| accuracy | 0.9800 | 0.9780 |", card, StringComparison.Ordinal);
        Assert.Contains("- Provider: cpu", card, StringComparison.Ordinal);
        Assert.Contains("## Known limits", card, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_Fp16OnCpuBestEffort_SaysSizeOnlyAndBestEffort()
    {
        var state = ReportSamples.Completed();
        var cpu = new ProviderUsage { Requested = ProviderName.Cpu, Used = ProviderName.Cpu };
        state = state.WithTrial(new TrialResult { TrialId = "final-1", Configuration = ReportSamples.Fp16, Passes = ["fp16"], Resource = 9, Metrics = ReportSamples.Metrics(0.9, 1, 500), Provider = cpu });
        state = state with { BestTrialId = "final-1", Outcome = state.Outcome! with { BestEffort = true } };

        var limits = ModelCard.Limits(ReportModelBuilder.Build(state));

        Assert.Contains(limits, l => l.StartsWith("fp16 on CPU gives size only", StringComparison.Ordinal));
        Assert.Contains(limits, l => l.StartsWith("Best effort", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_BuiltByAnEarlierTrial_ShowsCanonicalisationAndCoverageFromItsRecords()
    {
        // final-0 reuses the candidate t1 built (same hash), so the records come from t1.
        var state = ReportSamples.Completed();
        var builder = state.Trials.Single(t => t.TrialId == "t1") with
        {
            CandidateHash = state.Trials.Single(t => t.TrialId == "final-0").CandidateHash,
            PassRecords =
            [
                new PassReport { Pass = "canonicalise", Notes = ["removed 2 Identity and 0 Dropout node(s)"] },
                new PassReport { Pass = "quantize-dynamic", Coverage = ["2/3 Gemm"], Skipped = ["fc3: 768 weight elements"] },
            ],
        };

        var card = ModelCard.Render(ReportModelBuilder.Build(state.WithTrial(builder)), state.WithTrial(builder));

        Assert.Contains("- `canonicalise` did: removed 2 Identity and 0 Dropout node(s)\n", card, StringComparison.Ordinal);
        Assert.Contains("- `quantize-dynamic` did: coverage 2/3 Gemm; skipped 1: fc3: 768 weight elements\n", card, StringComparison.Ordinal);
    }
}
