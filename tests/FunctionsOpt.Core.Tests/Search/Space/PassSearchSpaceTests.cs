using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Tests.Search.Space;

public sealed class PassSearchSpaceTests
{
    private static FakeCatalogue Catalogue() => new(
        new FakePass(
            "quantize",
            true,
            new CategoricalParameter("mode", ["dynamic", "static"]),
            new CategoricalParameter("calibration", ["minmax", "entropy", "percentile"]) { Condition = new ParameterCondition("mode", [ParameterValue.Of("static")]) }),
        new FakePass("prune", true, new FloatParameter("sparsity", 0.1, 0.9, GridPoints: [0.1, 0.5, 0.9])),
        new FakePass("fp16", false));

    [Fact]
    public void Create_NoLimits_IncludesApplicablePassesWithEnabledSwitches()
    {
        var derived = PassSearchSpace.Create(Catalogue(), new ModelProto());

        Assert.Equal(["quantize", "prune"], derived.Passes.Select(p => p.Name));
        Assert.Equal("fp16", Assert.Single(derived.Excluded).Pass);
        Assert.Equal(
            ["quantize.enabled", "quantize.mode", "quantize.calibration", "prune.enabled", "prune.sparsity"],
            derived.Space.Parameters.Select(p => p.Name));
        Assert.Equal("quantize.enabled", derived.Space["quantize.mode"].Condition!.Parent);
        Assert.Equal("quantize.mode", derived.Space["quantize.calibration"].Condition!.Parent);
    }

    [Fact]
    public void EnumerateGrid_DerivedSpace_HandCountedProduct()
    {
        // quantize: off (1) + dynamic (1) + static x 3 calibrations (3) = 5; prune: off (1) + 3 sparsities = 4. 5 * 4 = 20.
        var derived = PassSearchSpace.Create(Catalogue(), new ModelProto());

        Assert.Equal(20, derived.Space.EnumerateGrid().Count());
    }

    [Fact]
    public void Create_Limits_NarrowFixAndRestrict()
    {
        var limits = new SearchLimits
        {
            AllowedPasses = ["quantize", "prune", "fp16"],
            FixedValues = new Dictionary<string, ParameterValue> { ["quantize.mode"] = ParameterValue.Of("static"), ["fp16.enabled"] = ParameterValue.Of(true) },
            Choices = new Dictionary<string, IReadOnlyList<string>> { ["quantize.calibration"] = ["entropy", "minmax"] },
            Ranges = new Dictionary<string, NumericRange> { ["prune.sparsity"] = new(0.4, 0.9) },
        };

        var derived = PassSearchSpace.Create(Catalogue(), new ModelProto(), limits);

        Assert.IsType<FixedParameter>(derived.Space["quantize.mode"]);
        Assert.Equal(["minmax", "entropy"], ((CategoricalParameter)derived.Space["quantize.calibration"]).Choices);
        Assert.Equal([0.5, 0.9], ((FloatParameter)derived.Space["prune.sparsity"]).GridPoints!);
        Assert.Contains(derived.IgnoredLimits, l => l.StartsWith("fp16.enabled", StringComparison.Ordinal));
        // quantize: off (1) + static x 2 calibrations (2) = 3; prune: off (1) + 2 = 3. 3 * 3 = 9.
        Assert.Equal(9, derived.Space.EnumerateGrid().Count());
    }

    [Fact]
    public void Create_UnknownLimitOrEmptyRange_Throws()
    {
        var limits = new SearchLimits
        {
            FixedValues = new Dictionary<string, ParameterValue> { ["quantize.bits"] = ParameterValue.Of(4L) },
            Ranges = new Dictionary<string, NumericRange> { ["prune.sparsity"] = new(0.95, 0.99) },
        };

        var problems = Assert.Throws<InvalidSearchSpaceException>(() => PassSearchSpace.Create(Catalogue(), new ModelProto(), limits)).Problems;

        Assert.Contains(problems, p => p.Contains("quantize.bits", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("empty", StringComparison.Ordinal));
    }

    [Fact]
    public void ToPipeline_Configuration_EnabledPassesWithLocalNames()
    {
        var derived = PassSearchSpace.Create(Catalogue(), new ModelProto());
        var configuration = derived.Space.EnumerateGrid().First(c =>
            c.Values["quantize.enabled"].AsBoolean && !c.Values["prune.enabled"].AsBoolean && c.Values.ContainsKey("quantize.calibration"));

        var step = Assert.Single(derived.ToPipeline(configuration));

        Assert.Equal("quantize", step.Pass.Name);
        Assert.Equal("calibration=s:minmax;mode=s:static", step.Parameters.Canonical);
    }

    // fp16 (no parameters), dynamic int8 (per-channel on/off), static int8 (3 calibrations), magnitude pruning (2 sparsities).
    private static FakeCatalogue FormatCatalogue() => new(
        new FakePass("fp16", true) { Kind = PassKind.Precision },
        new FakePass("quantize-dynamic", true, new BooleanParameter("per-channel")) { Kind = PassKind.Quantization },
        new FakePass("quantize-static", true, new CategoricalParameter("calibration", ["minmax", "entropy", "percentile"])) { Kind = PassKind.Quantization },
        new FakePass("prune", true, new FloatParameter("sparsity", 0.1, 0.9, GridPoints: [0.5, 0.9])));

    [Fact]
    public void Create_NumericFormatPasses_ShareOneCategoricalChoiceInsteadOfSwitches()
    {
        var derived = PassSearchSpace.Create(FormatCatalogue(), new ModelProto());

        Assert.Equal(
            ["precision.format", "quantize-dynamic.per-channel", "quantize-static.calibration", "prune.enabled", "prune.sparsity"],
            derived.Space.Parameters.Select(p => p.Name));
        var format = Assert.IsType<CategoricalParameter>(derived.Space[PassSearchSpace.FormatParameter]);
        Assert.Equal(["original", "fp16", "quantize-dynamic", "quantize-static"], format.Choices);
        Assert.Equal("original", format.DefaultChoice);
        var condition = derived.Space["quantize-static.calibration"].Condition!;
        Assert.Equal("precision.format", condition.Parent);
        Assert.Equal([ParameterValue.Of("quantize-static")], condition.Values);
    }

    [Fact]
    public void EnumerateGrid_NumericFormatPasses_EveryConfigurationHasAtMostOneFormatPass()
    {
        var derived = PassSearchSpace.Create(FormatCatalogue(), new ModelProto());

        var grid = derived.Space.EnumerateGrid().ToList();

        // format: original (1) + fp16 (1) + dynamic x 2 (2) + static x 3 (3) = 7; prune: off (1) + 2 = 3. 7 * 3 = 21.
        Assert.Equal(21, grid.Count);
        Assert.All(grid, c => Assert.True(derived.ToPipeline(c).Count(step => PassSearchSpace.IsFormatPass(step.Pass)) <= 1));
        Assert.Equal(3 * 3, grid.Count(c => derived.ToPipeline(c).Any(step => step.Pass.Name == "quantize-static")));
    }

    [Fact]
    public void ToPipeline_FormatChoice_EnablesThatPassWithItsLocalParameters()
    {
        var derived = PassSearchSpace.Create(FormatCatalogue(), new ModelProto());
        var configuration = derived.Space.EnumerateGrid().First(c =>
            c.Values["precision.format"] == ParameterValue.Of("quantize-dynamic") && c.Values["quantize-dynamic.per-channel"].AsBoolean && c.Values["prune.enabled"].AsBoolean);

        var steps = derived.ToPipeline(configuration);

        Assert.Equal(["quantize-dynamic", "prune"], steps.Select(s => s.Pass.Name));
        Assert.Equal("per-channel=b:true", steps[0].Parameters.Canonical);
    }

    [Fact]
    public void Create_EnabledLimitsOnFormatPasses_BecomeChoicesOfTheFormat()
    {
        var pinned = PassSearchSpace.Create(FormatCatalogue(), new ModelProto(), new SearchLimits
        {
            FixedValues = new Dictionary<string, ParameterValue> { ["quantize-static.enabled"] = ParameterValue.Of(true) },
        });
        var withoutFp16 = PassSearchSpace.Create(FormatCatalogue(), new ModelProto(), new SearchLimits
        {
            FixedValues = new Dictionary<string, ParameterValue> { ["fp16.enabled"] = ParameterValue.Of(false) },
        });

        Assert.Equal(["quantize-static"], ((CategoricalParameter)pinned.Space["precision.format"]).Choices);
        Assert.Equal(["quantize-static", "prune"], pinned.Passes.Select(p => p.Name));
        Assert.Equal(["fp16", "quantize-dynamic"], pinned.Excluded.Select(e => e.Pass));
        Assert.Equal(["original", "quantize-dynamic", "quantize-static"], ((CategoricalParameter)withoutFp16.Space["precision.format"]).Choices);
        Assert.Empty(pinned.IgnoredLimits);
        // Static int8 pinned: 3 calibrations x prune off or 2 sparsities.
        Assert.Equal(9, pinned.Space.EnumerateGrid().Count());
    }

    [Fact]
    public void Create_TwoFormatPassesPinnedOn_ThrowsNamingBoth()
    {
        var limits = new SearchLimits
        {
            FixedValues = new Dictionary<string, ParameterValue> { ["fp16.enabled"] = ParameterValue.Of(true), ["quantize-static.enabled"] = ParameterValue.Of(true) },
        };

        var problem = Assert.Single(Assert.Throws<InvalidSearchSpaceException>(() => PassSearchSpace.Create(FormatCatalogue(), new ModelProto(), limits)).Problems);

        Assert.Contains("'fp16.enabled'", problem, StringComparison.Ordinal);
        Assert.Contains("'quantize-static.enabled'", problem, StringComparison.Ordinal);
        Assert.Contains("at most one numeric-format pass", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_PenguinsGemmOnly_OffersQuantizeDynamicOpTypesWithGemmOnly()
    {
        // The penguins MLP is three Gemm layers and no MatMul: op-types=MatMul would quantize nothing.
        var model = FunctionsOpt.Core.Tests.Passes.PassTestKit.Load(FunctionsOpt.Core.Tests.TestKit.TestPaths.PenguinsModel);

        var derived = PassSearchSpace.Create(new FunctionsOpt.Core.Passes.Pipeline.DefaultPassCatalogue(), model);

        var opTypes = Assert.IsType<CategoricalParameter>(derived.Space["quantize-dynamic.op-types"]);
        Assert.Equal(["MatMul,Gemm"], opTypes.Choices);
    }

    [Fact]
    public void Create_ResNet18Opset8_OffersQuantizeStaticThatTheOriginalRefuses()
    {
        // ML.NET's ResNet18 imports opset 8: QuantizeLinear needs 10, which canonicalisation reaches before int8.
        var model = FunctionsOpt.Core.Tests.Passes.PassTestKit.Load(FunctionsOpt.Core.Tests.TestKit.TestPaths.ResNet18);
        var catalogue = new FunctionsOpt.Core.Passes.Pipeline.DefaultPassCatalogue();

        var derived = PassSearchSpace.Create(catalogue, model);

        Assert.False(catalogue.Find("quantize-static")!.CheckApplicability(model).Applies);
        Assert.Contains(derived.Passes, p => p.Name == "quantize-static");
    }
}
