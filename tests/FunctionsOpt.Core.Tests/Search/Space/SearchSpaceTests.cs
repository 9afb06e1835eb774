using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Tests.Search.Space;

public sealed class SearchSpaceTests
{
    private static ParameterCondition When(string parent, params ParameterValue[] values) => new(parent, values);

    private static SearchSpace Nested() => new(
    [
        new BooleanParameter("a.enabled"),
        new CategoricalParameter("a.x", ["p", "q"]) { Condition = When("a.enabled", ParameterValue.Of(true)) },
        new IntegerParameter("a.y", 1, 3) { Condition = When("a.x", ParameterValue.Of("q")) },
        new FloatParameter("b", 0.01, 1.0, Log: true),
    ]);

    private static IReadOnlyList<string> ProblemsOf(params ParameterDefinition[] parameters) =>
        Assert.Throws<InvalidSearchSpaceException>(() => new SearchSpace(parameters)).Problems;

    [Fact]
    public void Constructor_DuplicateName_Throws()
    {
        var problems = ProblemsOf(new BooleanParameter("x"), new IntegerParameter("x", 0, 1));

        Assert.Contains(problems, p => p.Contains("more than once", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_EmptyChoices_Throws() =>
        Assert.Contains(ProblemsOf(new CategoricalParameter("c", [])), p => p.Contains("no choices", StringComparison.Ordinal));

    [Fact]
    public void Constructor_MinGreaterThanMax_ThrowsForIntegerAndFloat()
    {
        var problems = ProblemsOf(new IntegerParameter("i", 5, 1), new FloatParameter("f", 2.0, 1.0));

        Assert.Equal(2, problems.Count(p => p.Contains("> max", StringComparison.Ordinal)));
    }

    [Fact]
    public void Constructor_LogWithNonPositiveMin_Throws() =>
        Assert.Contains(ProblemsOf(new FloatParameter("lr", 0.0, 1.0, Log: true)), p => p.Contains("min > 0", StringComparison.Ordinal));

    [Fact]
    public void Constructor_ConditionOnUnknownParent_Throws() =>
        Assert.Contains(
            ProblemsOf(new BooleanParameter("x") { Condition = When("ghost", ParameterValue.Of(true)) }),
            p => p.Contains("unknown parameter 'ghost'", StringComparison.Ordinal));

    [Fact]
    public void Constructor_ConditionOnNumericParent_Throws() =>
        Assert.Contains(
            ProblemsOf(new IntegerParameter("n", 0, 3), new BooleanParameter("x") { Condition = When("n", ParameterValue.Of(1L)) }),
            p => p.Contains("not categorical or boolean", StringComparison.Ordinal));

    [Fact]
    public void Constructor_ConditionValueParentCannotTake_Throws() =>
        Assert.Contains(
            ProblemsOf(new CategoricalParameter("m", ["a"]), new BooleanParameter("x") { Condition = When("m", ParameterValue.Of("b")) }),
            p => p.Contains("cannot take", StringComparison.Ordinal));

    [Fact]
    public void Constructor_ConditionCycle_Throws()
    {
        var problems = ProblemsOf(
            new BooleanParameter("x") { Condition = When("y", ParameterValue.Of(true)) },
            new BooleanParameter("y") { Condition = When("x", ParameterValue.Of(true)) });

        Assert.Contains(problems, p => p.Contains("cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void EnumerateGrid_ConditionalSpace_YieldsHandCountedProduct()
    {
        // a: enabled=false (1) + enabled=true with x=p (1) + x=q with y in {1,2,3} (3) = 5; b: 5 default log points. 5 * 5 = 25.
        var grid = Nested().EnumerateGrid().ToList();

        Assert.Equal(25, grid.Count);
        Assert.Equal(25, grid.Select(c => c.Canonical).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void EnumerateGrid_SmallSpace_YieldsHandCountedProduct()
    {
        // mode: none (1) + dynamic (1) + static x 2 calibrations (2) = 4; sparsity 3 grid points; threads 4 values. 4 * 3 * 4 = 48.
        Assert.Equal(48, SearchFakes.SmallSpace().EnumerateGrid().Count());
    }

    [Fact]
    public void EnumerateGrid_EveryConfiguration_HasNoOrphansAndNoMissingParameters()
    {
        var space = Nested();

        Assert.All(space.EnumerateGrid(), c => Assert.Empty(space.Check(c)));
    }

    [Fact]
    public void GridValues_LogFloatWithoutGridPoints_GivesFiveGeometricPoints()
    {
        var values = SearchSpace.GridValues(new FloatParameter("b", 0.01, 1.0, Log: true)).Select(v => v.Real).ToArray();

        Assert.Equal(0.01, values[0]);
        Assert.Equal(1.0, values[4]);
        Assert.Equal(0.1, values[2], 12);
        Assert.Equal(Math.Sqrt(0.1) * 0.1, values[1], 12);
    }

    [Fact]
    public void Sample_ConditionalSpace_NeverYieldsOrphans()
    {
        var space = Nested();
        var random = new SearchRandom(11);

        var samples = Enumerable.Range(0, 2000).Select(_ => space.Sample(random)).ToList();

        Assert.All(samples, c => Assert.Empty(space.Check(c)));
        Assert.Contains(samples, c => c.Values.ContainsKey("a.y"));
        Assert.Contains(samples, c => !c.Values.ContainsKey("a.x"));
        Assert.All(samples, c => Assert.InRange(c.Values["b"].Real, 0.01, 1.0));
    }

    [Fact]
    public void Sample_SameSeed_SameConfigurations()
    {
        var space = Nested();
        var a = new SearchRandom(5);
        var b = new SearchRandom(5);

        Assert.Equal(
            Enumerable.Range(0, 50).Select(_ => space.Sample(a).Canonical),
            Enumerable.Range(0, 50).Select(_ => space.Sample(b).Canonical));
    }

    [Fact]
    public void Check_OrphanParameter_IsReported()
    {
        var orphan = new SearchConfiguration(new Dictionary<string, ParameterValue>
        {
            ["a.enabled"] = ParameterValue.Of(false),
            ["a.x"] = ParameterValue.Of("p"),
            ["b"] = ParameterValue.Of(0.5),
        });

        Assert.Contains(Nested().Check(orphan), p => p.Contains("'a.x' is present", StringComparison.Ordinal));
    }

    [Fact]
    public void Canonical_SameValuesAnyOrder_SameTextAndHash()
    {
        var a = new SearchConfiguration(new Dictionary<string, ParameterValue> { ["z"] = ParameterValue.Of(0.1), ["a"] = ParameterValue.Of("q") });
        var b = new SearchConfiguration(new Dictionary<string, ParameterValue> { ["a"] = ParameterValue.Of("q"), ["z"] = ParameterValue.Of(0.1) });

        Assert.Equal("a=s:q;z=f:0.1", a.Canonical);
        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("a=s:q;z=f:0.1"u8)),
            a.Hash);
    }

    [Fact]
    public void FromCanonical_RoundTrip_RestoresEqualConfiguration()
    {
        var c = new SearchConfiguration(new Dictionary<string, ParameterValue>
        {
            ["f"] = ParameterValue.Of(0.1 + 0.2),
            ["i"] = ParameterValue.Of(-3L),
            ["b"] = ParameterValue.Of(true),
            ["s"] = ParameterValue.Of("x:y"),
        });

        Assert.Equal(c, SearchConfiguration.FromCanonical(c.ToCanonical()));
    }
}
