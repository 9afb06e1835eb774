using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class MarkdownSummaryTests
{
    [Fact]
    public void Render_SampleRun_VerdictHeadlineTableAndLinks()
    {
        var md = MarkdownSummary.Render(ReportModelBuilder.Build(ReportSamples.Completed()));

        Assert.Contains("✅ Constraint met by `final-0` (quantize-dynamic).", md, StringComparison.Ordinal);
        // 1 ms -> 0.55 ms is 1/0.55 = 1.82x faster; 1000 B -> 300 B is 3.33x smaller; accuracy 0.98 -> 0.978 is -0.0020.
        Assert.Contains("| latency p50 (batch 1) | 1 ms | 0.55 ms | 1.82× faster |", md, StringComparison.Ordinal);
        Assert.Contains("| model size | 1000 B | 300 B | 3.33× smaller |", md, StringComparison.Ordinal);
        Assert.Contains("| accuracy | 0.9800 | 0.9780 | -0.0020 |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("peak memory", md, StringComparison.Ordinal);
        Assert.Contains("- met: accuracy drop &lt;= 0.01", md, StringComparison.Ordinal);
        Assert.Contains("| final-0 | quantize-dynamic | 0.55 | 0.978 | 300 B | yes |", md, StringComparison.Ordinal);
        Assert.Contains("| t4 | none | 1.1 | 0.98 | 1000 B |  |", md, StringComparison.Ordinal);
        Assert.Contains("[Full report](report.html) · [Optimized model](best/model.onnx) · [Trials (CSV)](trials.csv)", md, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoBest_SaysTheModelStands()
    {
        var md = MarkdownSummary.Render(ReportModelBuilder.Build(ReportSamples.Completed() with { BestTrialId = null }));

        Assert.Contains("No candidate chosen", md, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a|b", "a\\|b")]
    [InlineData("<x>", "&lt;x&gt;")]
    [InlineData("two\nlines", "two lines")]
    [InlineData("`code`", "\\`code\\`")]
    public void Markdown_TableCellText_Escaped(string text, string expected) => Assert.Equal(expected, ReportFormat.Markdown(text));
}
