using FunctionsOpt.Core.Data;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class PythonLiteralParserTests
{
    [Fact]
    public void Parse_NpyHeaderDict_ReturnsTypedValues()
    {
        var value = PythonLiteralParser.Parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4L), }");

        var dict = Assert.IsType<Dictionary<string, object?>>(value);
        Assert.Equal("<f4", dict["descr"]);
        Assert.Equal(false, dict["fortran_order"]);
        Assert.Equal(new List<object?> { 3L, 4L }, dict["shape"]);
    }

    [Fact]
    public void Parse_EmptyTupleAndNone_ReturnsEmptyListAndNull()
    {
        var dict = (Dictionary<string, object?>)PythonLiteralParser.Parse("{\"shape\": (), \"x\": None}")!;

        Assert.Equal(new List<object?>(), dict["shape"]);
        Assert.Null(dict["x"]);
    }

    [Theory]
    [InlineData("{'a': __import__('os')}")]
    [InlineData("{'a': 1} trailing")]
    [InlineData("{'a': 1")]
    public void Parse_NonLiteralText_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => PythonLiteralParser.Parse(text));
    }
}
