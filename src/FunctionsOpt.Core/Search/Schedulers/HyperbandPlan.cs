namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>One rung: <paramref name="Configurations"/> trials at <paramref name="Resource"/>.</summary>
/// <param name="Configurations">n_i.</param>
/// <param name="Resource">r_i.</param>
public sealed record RungPlan(long Configurations, double Resource);

/// <summary>One bracket s and its rungs i = 0..s.</summary>
/// <param name="S">The bracket index s.</param>
/// <param name="Rungs">n_i and r_i per rung.</param>
public sealed record BracketPlan(int S, IReadOnlyList<RungPlan> Rungs);

/// <summary>
/// The bracket arithmetic of Hyperband (Li et al., JMLR 2018, Algorithm 1), in exact integer arithmetic:
/// s_max = ⌊log_η R⌋ is the largest s with η^s ≤ R (a floating log misrounds, e.g. log_3 243 = 4.999…);
/// bracket s starts n = ⌈(s_max+1)/(s+1) · η^s⌉ configurations at r = R·η^−s, and rung i has
/// n_i = ⌊n·η^−i⌋ configurations at r_i = r·η^i.
/// </summary>
public static class HyperbandPlan
{
    /// <summary>⌊log_base x⌋ for x ≥ 1, base ≥ 2, by repeated multiplication.</summary>
    public static int FloorLog(long x, long @base)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(x, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(@base, 2);
        var k = 0;
        var power = 1L;
        while (power <= x / @base)
        {
            power *= @base;
            k++;
        }

        return k;
    }

    /// <summary>η^k, checked.</summary>
    public static long Power(long eta, int k)
    {
        var p = 1L;
        for (var i = 0; i < k; i++)
        {
            p = checked(p * eta);
        }

        return p;
    }

    /// <summary>s_max = ⌊log_η R⌋.</summary>
    public static int SMax(long maxResource, int eta) => FloorLog(maxResource, eta);

    /// <summary>Brackets s = s_max down to 0.</summary>
    public static IReadOnlyList<BracketPlan> Brackets(long maxResource, int eta)
    {
        var sMax = SMax(maxResource, eta);
        var brackets = new List<BracketPlan>();
        for (var s = sMax; s >= 0; s--)
        {
            // n = ceil((s_max + 1) * eta^s / (s + 1)) in integers.
            var numerator = checked((sMax + 1) * Power(eta, s));
            var n = (numerator + s) / (s + 1);
            brackets.Add(Bracket(maxResource, eta, n, s));
        }

        return brackets;
    }

    /// <summary>A successive-halving bracket: n configurations at R·η^−s, n_i = ⌊n/η^i⌋, r_i = R/η^(s−i).</summary>
    public static BracketPlan Bracket(long maxResource, int eta, long configurations, int s)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(eta, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(configurations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(s);
        if (Power(eta, s) > maxResource)
        {
            throw new ArgumentOutOfRangeException(nameof(s), $"eta^s = {Power(eta, s)} exceeds R = {maxResource}: the first rung would be below one unit of resource.");
        }

        var rungs = new RungPlan[s + 1];
        for (var i = 0; i <= s; i++)
        {
            rungs[i] = new RungPlan(configurations / Power(eta, i), (double)maxResource / Power(eta, s - i));
        }

        return new BracketPlan(s, rungs);
    }
}
