using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Passes.Graph;

public sealed class OrtOfflineOptimizationPassTests
{
    private readonly OrtOfflineOptimizationPass _pass = new();

    private static PassParameters Level(string level) => new(new Dictionary<string, ParameterValue> { [OrtOfflineOptimizationPass.LevelParameter] = ParameterValue.Of(level) });

    [Theory]
    [InlineData("basic")]
    [InlineData("extended")]
    public void Apply_ConvBatchNorm_SavesFusedModelWithSameOutputs(string level)
    {
        using var temp = new TempFolder();
        var model = PassTestKit.ConvBatchNorm();
        var input = PassTestKit.Random(9, 150, 2.0);

        var result = _pass.Apply(model, Level(level), PassTestKit.Context(temp.Path));

        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Empty(Directory.GetFiles(temp.Path));
        PassTestKit.AssertLoads(result.Model);
        var diff = PassTestKit.MaxAbsDiff(PassTestKit.Run(model, "x", input, [2, 3, 5, 5]), PassTestKit.Run(result.Model, "x", input, [2, 3, 5, 5]));
        Assert.True(diff <= 1e-4, $"max diff {diff}");
        Assert.Contains(result.Record.Notes, n => n.Contains("BatchNormalization 1->0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("all")]
    [InlineData("layout")]
    [InlineData("fast")]
    public void Apply_NonPortableOrUnknownLevel_ThrowsInvalidConfiguration(string level)
    {
        var error = Assert.Throws<InvalidPassConfigurationException>(() => _pass.Apply(PassTestKit.ConvBatchNorm(), Level(level), PassTestKit.Context()));

        Assert.Equal(OrtOfflineOptimizationPass.PassName, error.Pass);
        Assert.Contains("'basic' or 'extended'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ModelOrtRejects_ThrowsInvalidModel() =>
        Assert.Throws<InvalidModelException>(() => _pass.Apply(TinyModels.UnknownOperator(), PassParameters.Empty, PassTestKit.Context()));
}
