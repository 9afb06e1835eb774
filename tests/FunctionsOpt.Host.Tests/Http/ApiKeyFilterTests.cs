using FunctionsOpt.Hosting.Http;

namespace FunctionsOpt.Host.Tests.Http;

public sealed class ApiKeyFilterTests
{
    private static readonly byte[] Expected = ApiKeyFilter.Hash("test-key-0123456789abcdef");

    [Theory]
    [InlineData("test-key-0123456789abcdef", true)]
    [InlineData("test-key-0123456789abcdeF", false)]
    [InlineData("test-key-0123456789abcde", false)]
    [InlineData("test-key-0123456789abcdef ", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Matches_PresentedKey_TrueOnlyForTheExactKey(string? presented, bool expected)
    {
        Assert.Equal(expected, ApiKeyFilter.Matches(presented, Expected));
    }
}
