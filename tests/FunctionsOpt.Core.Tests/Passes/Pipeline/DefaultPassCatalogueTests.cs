using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Passes.Runtime;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes.Pipeline;

public sealed class DefaultPassCatalogueTests
{
    [Fact]
    public void Passes_BuiltIn_InStageOrderWithUniqueNames()
    {
        var catalogue = new DefaultPassCatalogue();

        Assert.Equal(
            [
                "constants-to-initializers", "opset-upgrade", "fold-batchnorm", "ort-optimize",
                "prune-magnitude", "prune-structured", "compensate-error",
                "fp16", "quantize-dynamic", "quantize-static", "runtime",
            ],
            catalogue.Passes.Select(p => p.Name));
        Assert.Equal(catalogue.Passes.Count, catalogue.Passes.Select(p => p.Name).Distinct().Count());
    }

    [Fact]
    public void Constructor_AdditionalPruningPass_GoesBetweenPreparationAndPrecision()
    {
        var catalogue = new DefaultPassCatalogue([new FakePass("prune-extra", PassKind.Pruning)]);

        // Registration order is kept inside a stage: the extra pruning pass follows the built-in ones.
        var names = catalogue.Passes.Select(p => p.Name).ToList();
        Assert.Equal(names.IndexOf("prune-structured") + 1, names.IndexOf("prune-extra"));
        Assert.True(names.IndexOf("prune-extra") < names.IndexOf("compensate-error"));
        Assert.Same(catalogue.Passes[names.IndexOf("prune-extra")], catalogue.Find("prune-extra"));
    }

    [Fact]
    public void Constructor_DuplicateName_Throws() =>
        Assert.Throws<ArgumentException>(() => new DefaultPassCatalogue([new FakePass("fp16", PassKind.Precision)]));

    [Fact]
    public void CheckApplicability_RealModels_MatchTheirOperators()
    {
        var catalogue = new DefaultPassCatalogue();
        var penguins = PassTestKit.Load(TestPaths.PenguinsModel);
        var resnet = PassTestKit.Load(TestPaths.ResNet18);

        var forPenguins = catalogue.Passes.Where(p => p.CheckApplicability(penguins).Applies).Select(p => p.Name);
        var forResNet = catalogue.Passes.Where(p => p.CheckApplicability(resnet).Applies).Select(p => p.Name);

        // Penguins already imports opset 17, the highest reviewed target.
        Assert.Equal(["ort-optimize", "prune-magnitude", "prune-structured", "compensate-error", "fp16", "quantize-dynamic", "quantize-static", "runtime"], forPenguins);
        // ResNet18 is opset 8: static QDQ needs opset >= 10 (13 per-channel) and refuses until the upgrade has run.
        Assert.Equal(["opset-upgrade", "fold-batchnorm", "ort-optimize", "prune-magnitude", "prune-structured", "compensate-error", "fp16", "runtime"], forResNet);
    }

    [Fact]
    public void Parameters_EveryPass_DefaultsResolveAndNamesAreUnique()
    {
        foreach (var pass in new DefaultPassCatalogue().Passes)
        {
            Assert.Equal(pass.Parameters.Count, pass.Parameters.Select(p => p.Name).Distinct().Count());
            Assert.All(pass.Parameters, p => Assert.Equal(p.DefaultValueOf, PassParameters.Empty.Get(pass, p.Name)));
        }

        Assert.IsType<RuntimeSettingsPass>(new DefaultPassCatalogue().Find("runtime"));
    }

    private sealed class FakePass(string name, PassKind kind) : IModelPass
    {
        public string Name => name;

        public PassKind Kind => kind;

        public IReadOnlyList<ParameterDefinition> Parameters => [];

        public PassApplicability CheckApplicability(ModelProto model) => PassApplicability.No("test double");

        public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context) => throw new NotSupportedException();
    }
}
