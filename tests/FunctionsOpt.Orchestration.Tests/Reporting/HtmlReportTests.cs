using System.Text.RegularExpressions;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class HtmlReportTests
{
    private static RunState Hostile()
    {
        var state = ReportSamples.Completed();
        return state with
        {
            Spec = state.Spec with { Dataset = state.Spec.Dataset with { Blob = "data/<img src=x onerror=alert(1)>.csv" } },
            Trials = [.. state.Trials.Select(t => t.TrialId == "t1" ? t with { Passes = ["quantize-dynamic", "<b>evil</b>"] } : t)],
        };
    }

    [Fact]
    public void Render_UserText_IsHtmlEscaped()
    {
        var html = HtmlReport.Render(ReportModelBuilder.Build(Hostile()));

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>evil</b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;", html, StringComparison.Ordinal);
        Assert.Contains("data/&lt;img src=x onerror=alert(1)&gt;.csv", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;evil&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));
    }

    [Fact]
    public void Render_SampleRun_SelfContainedWithEverySection()
    {
        var html = HtmlReport.Render(ReportModelBuilder.Build(ReportSamples.Completed()));

        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex("(src|href)\\s*=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        foreach (var id in new[] { "headline", "pareto-chart", "hyperband-chart", "pass-effect-chart", "throughput-chart", "trial-table", "environment-table", "failure-table" })
        {
            Assert.Contains("id=\"" + id + "\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_SampleRun_ParetoPointsAndChosenMarked()
    {
        var html = HtmlReport.Render(ReportModelBuilder.Build(ReportSamples.Completed()));

        var points = Regex.Matches(html, "<circle class=\"pareto-point[^>]*data-trial=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["t4", "final-0"], points);
        Assert.Contains("<circle class=\"pareto-point chosen\" id=\"chosen-point\" data-trial=\"final-0\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"baseline-marker\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SameState_SameBytes() =>
        Assert.Equal(HtmlReport.Render(ReportModelBuilder.Build(ReportSamples.Completed())), HtmlReport.Render(ReportModelBuilder.Build(ReportSamples.Completed())));

    [Fact]
    public void Render_BestEffort_ShowsTheFlag()
    {
        var state = ReportSamples.Completed();
        var html = HtmlReport.Render(ReportModelBuilder.Build(state with { Outcome = state.Outcome! with { BestEffort = true } }));

        Assert.Contains("id=\"best-effort\"", html, StringComparison.Ordinal);
        Assert.Contains("Constraint NOT met", html, StringComparison.Ordinal);
    }
}
