using System.Text;
using FunctionsOpt.Hosting.Ingestion;

namespace FunctionsOpt.Host.Tests.Ingestion;

public sealed class SpecIntakeTests
{
    [Fact]
    public void TextOf_PlainJson_ReturnsItUnchanged()
    {
        Assert.Equal("""{ "a": 1 }""", QueueRequestListener.TextOf(BinaryData.FromString("""{ "a": 1 }""")));
    }

    [Fact]
    public void TextOf_Base64Json_ReturnsTheDecodedJson()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{ "a": 1 }"""));

        Assert.Equal("""{ "a": 1 }""", QueueRequestListener.TextOf(BinaryData.FromString(encoded)));
    }

    [Fact]
    public void TextOf_NeitherJsonNorBase64_ReturnsItUnchanged()
    {
        Assert.Equal("not json!", QueueRequestListener.TextOf(BinaryData.FromString("not json!")));
    }
}
