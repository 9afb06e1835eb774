using FunctionsOpt.Core.Search.Schedulers;

namespace FunctionsOpt.Core.Tests.Search.Schedulers;

public sealed class HyperbandPlanTests
{
    private static void AssertBracket(BracketPlan bracket, int s, long[] n, double[] r)
    {
        Assert.Equal(s, bracket.S);
        Assert.Equal(n, bracket.Rungs.Select(x => x.Configurations));
        Assert.Equal(r, bracket.Rungs.Select(x => x.Resource));
    }

    [Fact]
    public void Brackets_R81Eta3_EqualsTable1OfTheHyperbandPaper()
    {
        // Li et al., JMLR 2018, Table 1 (R = 81, eta = 3), typed in from the paper.
        var brackets = HyperbandPlan.Brackets(81, 3);

        Assert.Equal(5, brackets.Count);
        AssertBracket(brackets[0], 4, [81, 27, 9, 3, 1], [1, 3, 9, 27, 81]);
        AssertBracket(brackets[1], 3, [34, 11, 3, 1], [3, 9, 27, 81]);
        AssertBracket(brackets[2], 2, [15, 5, 1], [9, 27, 81]);
        AssertBracket(brackets[3], 1, [8, 2], [27, 81]);
        AssertBracket(brackets[4], 0, [5], [81]);
    }

    [Fact]
    public void Brackets_R27Eta3_MatchesHandComputation()
    {
        // s_max = 3 (27 = 3^3), B = 4.
        // s=3: n = ceil(4/4 * 27) = 27 at r = 1  -> 27, 9, 3, 1 at 1, 3, 9, 27
        // s=2: n = ceil(4/3 * 9)  = 12 at r = 3  -> 12, 4, 1 at 3, 9, 27
        // s=1: n = ceil(4/2 * 3)  = 6  at r = 9  -> 6, 2 at 9, 27
        // s=0: n = ceil(4/1 * 1)  = 4  at r = 27 -> 4 at 27
        var brackets = HyperbandPlan.Brackets(27, 3);

        Assert.Equal(4, brackets.Count);
        AssertBracket(brackets[0], 3, [27, 9, 3, 1], [1, 3, 9, 27]);
        AssertBracket(brackets[1], 2, [12, 4, 1], [3, 9, 27]);
        AssertBracket(brackets[2], 1, [6, 2], [9, 27]);
        AssertBracket(brackets[3], 0, [4], [27]);
    }

    [Fact]
    public void Brackets_NonPowerR10Eta2_MatchesHandComputation()
    {
        // R = 10 is not a power of 2: s_max = floor(log2 10) = 3 (8 <= 10 < 16), B = 4.
        // s=3: n = ceil(4/4 * 8) = 8 at r = 10/8 = 1.25 -> 8, 4, 2, 1 at 1.25, 2.5, 5, 10
        // s=2: n = ceil(4/3 * 4) = ceil(5.33) = 6 at r = 10/4 = 2.5 -> 6, 3, 1 at 2.5, 5, 10
        // s=1: n = ceil(4/2 * 2) = 4 at r = 5 -> 4, 2 at 5, 10
        // s=0: n = ceil(4/1 * 1) = 4 at r = 10 -> 4 at 10
        var brackets = HyperbandPlan.Brackets(10, 2);

        Assert.Equal(4, brackets.Count);
        AssertBracket(brackets[0], 3, [8, 4, 2, 1], [1.25, 2.5, 5, 10]);
        AssertBracket(brackets[1], 2, [6, 3, 1], [2.5, 5, 10]);
        AssertBracket(brackets[2], 1, [4, 2], [5, 10]);
        AssertBracket(brackets[3], 0, [4], [10]);
    }

    [Fact]
    public void Brackets_NonPowerR100Eta3_ScalesResourcesOfTheR81Table()
    {
        // s_max = 4 (81 <= 100 < 243), so the n_i are those of Table 1 and r_i = 100 / 3^(s - i).
        var brackets = HyperbandPlan.Brackets(100, 3);

        AssertBracket(brackets[0], 4, [81, 27, 9, 3, 1], [100.0 / 81, 100.0 / 27, 100.0 / 9, 100.0 / 3, 100]);
        AssertBracket(brackets[1], 3, [34, 11, 3, 1], [100.0 / 27, 100.0 / 9, 100.0 / 3, 100]);
    }

    [Theory]
    [InlineData(243, 3, 5)]
    [InlineData(242, 3, 4)]
    [InlineData(1000, 10, 3)]
    [InlineData(999, 10, 2)]
    [InlineData(1, 3, 0)]
    [InlineData(81, 3, 4)]
    public void SMax_ExactPowers_UsesIntegerArithmetic(long r, int eta, int expected)
    {
        // Math.Log(243) / Math.Log(3) = 4.999999999999999, which a floating floor would misround to 4.
        Assert.Equal(expected, HyperbandPlan.SMax(r, eta));
    }
}
