using FunctionsOpt.Cli.Rendering;

namespace FunctionsOpt.Cli.Tests.Rendering;

public sealed class ConfigurationTextTests
{
    [Fact]
    public void Lines_CanonicalConfiguration_OnePassPerLineWithoutValueKinds()
    {
        const string canonical = "precision.format=s:quantize-dynamic;quantize-dynamic.bias-correction=b:true;quantize-dynamic.min-weight-elements=i:20224;quantize-dynamic.op-types=s:MatMul,Gemm;prune-magnitude.damping=f:0.001841302190846559;prune-magnitude.sparsity=f:0.5";

        Assert.Equal(
            [
                "precision: format=quantize-dynamic",
                "quantize-dynamic: bias-correction=true, min-weight-elements=20224, op-types=MatMul,Gemm",
                "prune-magnitude: damping=0.001841, sparsity=0.5",
            ],
            ConfigurationText.Lines(canonical));
    }

    [Theory]
    [InlineData(0.0053, "5.3 µs")]
    [InlineData(0.0999, "99.9 µs")]
    [InlineData(0.1, "0.1000 ms")]
    [InlineData(11.4, "11.4000 ms")]
    public void Latency_Milliseconds_MicrosecondsBelowATenthOfAMillisecond(double ms, string expected) =>
        Assert.Equal(expected, ConfigurationText.Latency(ms));
}
