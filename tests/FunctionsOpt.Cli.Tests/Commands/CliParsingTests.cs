using FunctionsOpt.Cli.Commands;

namespace FunctionsOpt.Cli.Tests.Commands;

public sealed class CliParsingTests
{
    [Theory]
    [InlineData("0.01", 0.01)]
    [InlineData("1%", 0.01)]
    [InlineData(" 2.5 % ", 0.025)]
    [InlineData("0.5", 0.5)]
    public void Fraction_FractionOrPercentage_ParsedToTheFraction(string text, double expected) =>
        Assert.Equal(expected, CliParsing.Fraction(text, "--max-accuracy-drop"), 12);

    [Theory]
    [InlineData("5", "out of range (for 5% write 5% or 0.05)")]
    [InlineData("1", "out of range (for 1% write 1% or 0.01)")]
    [InlineData("0", "out of range")]
    [InlineData("-0.1", "out of range")]
    [InlineData("100%", "out of range")]
    [InlineData("abc", "is not a number")]
    public void Fraction_OutOfRangeOrNotANumber_UsageErrorNamingTheForms(string text, string expected)
    {
        var error = Assert.Throws<CliUsageException>(() => CliParsing.Fraction(text, "--max-accuracy-drop"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("a fraction in (0, 1) such as 0.01, or a percentage such as 1%", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PassNames_KnownNames_ReturnedTrimmedInOrder() =>
        Assert.Equal(["fp16", "quantize-dynamic"], CliParsing.PassNames(" fp16 , quantize-dynamic"));

    [Fact]
    public void PassNames_UnknownName_UsageErrorListingEveryValidPass()
    {
        var error = Assert.Throws<CliUsageException>(() => CliParsing.PassNames("fp16,quantise-dynamic"));

        Assert.Contains("Unknown pass 'quantise-dynamic'", error.Message, StringComparison.Ordinal);
        foreach (var pass in new[] { "fp16", "prune-magnitude", "prune-structured", "quantize-dynamic", "quantize-static" })
        {
            Assert.Contains(pass, error.Message, StringComparison.Ordinal);
        }
    }
}
