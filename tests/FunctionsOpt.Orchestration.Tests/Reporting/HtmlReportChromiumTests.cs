using System.Text.RegularExpressions;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class HtmlReportChromiumTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fopt-html-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Render_InHeadlessChromium_NoConsoleErrorsOnePointPerConfigurationChosenMarkedScreenshotKept()
    {
        var state = ReportSamples.Completed();
        var file = Path.Combine(_folder, "report.html");
        File.WriteAllText(file, HtmlReport.Render(ReportModelBuilder.Build(state)));
        // Expected independently of the builder: configurations that produced metrics, and the chosen trial's configuration.
        var configurations = state.Trials.Where(t => t.Status == TrialStatus.Ok && t.Metrics.Count > 0).Select(t => t.Configuration).Distinct(StringComparer.Ordinal).Count();

        var (dom, domLog) = Chromium.Run(file, "--dump-dom", Path.Combine(_folder, "profile-dom"));
        var screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "report-screenshot.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        var (_, shotLog) = Chromium.Run(file, "--screenshot=" + screenshot, Path.Combine(_folder, "profile-shot"));

        foreach (var log in new[] { domLog, shotLog })
        {
            Assert.DoesNotContain("Uncaught", log, StringComparison.Ordinal);
            Assert.DoesNotMatch(new Regex(":CONSOLE\\(\\d+\\)\\]"), log);
        }

        Assert.Contains("</html>", dom, StringComparison.Ordinal);
        Assert.Equal(configurations, Regex.Count(dom, "<circle class=\"pareto-point"));
        var chosen = Regex.Match(dom, "<circle [^>]*id=\"chosen-point\"[^>]*>");
        Assert.True(chosen.Success, "the chosen point is not in the rendered DOM");
        Assert.Contains("data-trial=\"" + state.BestTrialId + "\"", chosen.Value, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(dom, "data-chosen=\"true\""));
        var png = File.ReadAllBytes(screenshot);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png.Take(4));
        Assert.True(png.Length > 20_000, $"screenshot is only {png.Length} bytes");
    }
}
