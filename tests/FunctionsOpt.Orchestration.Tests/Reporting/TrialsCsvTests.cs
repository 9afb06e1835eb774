using FunctionsOpt.Orchestration.Reporting;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Reporting;

public sealed class TrialsCsvTests
{
    [Fact]
    public void Render_SampleRun_OneRowPerTrialInTheStateRecord()
    {
        var state = ReportSamples.Completed();

        var rows = CsvRows.Parse(TrialsCsv.Render(ReportModelBuilder.Build(state)));

        Assert.Equal(state.Trials.Count + 1, rows.Count);
        Assert.All(rows, r => Assert.Equal(rows[0].Length, r.Length));
        Assert.Equal(state.Trials.Select(t => t.TrialId).Order(StringComparer.Ordinal), rows.Skip(1).Select(r => r[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Render_SampleRun_FlatColumnsForPassParametersMetricsAndProvider()
    {
        var rows = CsvRows.Parse(TrialsCsv.Render(ReportModelBuilder.Build(ReportSamples.Completed())));
        var header = rows[0].ToList();
        string Cell(string trial, string column) => rows.Single(r => r[0] == trial)[header.IndexOf(column)];

        Assert.Equal(TrialsCsv.LeadingColumns, header.Take(TrialsCsv.LeadingColumns.Count));
        Assert.Equal(TrialsCsv.TrailingColumns, header.TakeLast(TrialsCsv.TrailingColumns.Count));
        Assert.Equal("MatMul,Gemm", Cell("t1", "quantize-dynamic.op-types"));
        Assert.Equal("true", Cell("t1", "quantize-dynamic.enabled"));
        Assert.Equal("a;b|c", Cell("t2", "fp16.block-list"));
        Assert.Equal("0.6", Cell("t1", "latency.p50.ms@1"));
        Assert.Equal("300", Cell("t1", "size.bytes"));
        Assert.Equal("270", Cell("t1", "size.gzip.bytes"));
        Assert.Equal(string.Empty, Cell("t2", "accuracy"));
        Assert.Equal("invalid", Cell("t2", "status"));
        Assert.Equal("pass-not-applicable", Cell("t2", "errorCode"));
        Assert.Equal(ReportSamples.Hostile, Cell("t2", "error"));
        Assert.Equal("t1", Cell("t3", "promotedFrom"));
        Assert.Equal("1", Cell("t3", "bracket"));
        Assert.Equal("1", Cell("t3", "rung"));
        Assert.Equal("9", Cell("t3", "resource"));
        Assert.Equal("final", Cell("final-0", "phase"));
        Assert.Equal("cpu", Cell("t1", "providerUsed"));
        Assert.Equal("0.5", Cell("t1", "buildSeconds"));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Quote_SpecialCharacters_Rfc4180(string value, string expected) => Assert.Equal(expected, TrialsCsv.Quote(value));
}
