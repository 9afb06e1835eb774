namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>Settings every scheduler shares.</summary>
public sealed record SearchSettings
{
    /// <summary>Maximum resource R per trial (a trial at R is a full-budget evaluation); at least 1.</summary>
    public required long MaxResource { get; init; }

    /// <summary>Seed of every random choice.</summary>
    public ulong Seed { get; init; }

    /// <summary>When to stop early.</summary>
    public StoppingCriteria Stopping { get; init; } = new();

    /// <summary>How a resource maps onto an evaluation budget.</summary>
    public TrialBudgetPolicy Budget { get; init; } = new();
}

/// <summary>Limits that stop a search before its plan completes; null means no limit.</summary>
public sealed record StoppingCriteria
{
    /// <summary>Most trials suggested (promotions count: each trial is one evaluation).</summary>
    public int? MaxTrials { get; init; }

    /// <summary>Most total resource suggested; a trial that would exceed it is not suggested.</summary>
    public double? MaxTotalResource { get; init; }

    /// <summary>Longest time from the first <see cref="ISearchScheduler.Suggest"/> call (time passed in by the caller).</summary>
    public TimeSpan? MaxWallTime { get; init; }

    /// <summary>Stop once a full-budget result meets every constraint and the objective's target score (default true).</summary>
    public bool StopWhenTargetMet { get; init; } = true;
}

/// <summary>Hyperband (Li et al., JMLR 2018): η and how many times to run all brackets.</summary>
/// <param name="Eta">Downsampling rate η ≥ 2 (default 3).</param>
/// <param name="Iterations">Runs of the full set of brackets s = s_max..0 (default 1).</param>
public sealed record HyperbandSettings(int Eta = 3, int Iterations = 1);

/// <summary>One successive-halving bracket: <paramref name="Configurations"/> at R·η^−s, keeping ⌊n_i/η⌋ per rung.</summary>
/// <param name="Configurations">Configurations n in the first rung.</param>
/// <param name="Eta">Downsampling rate η ≥ 2.</param>
/// <param name="S">Rungs above the first; the first runs at R·η^−s (η^s ≤ R required).</param>
public sealed record SuccessiveHalvingSettings(int Configurations, int Eta, int S);

/// <summary>ASHA (Li et al., MLSys 2020): rungs at r·η^(s+k) up to R, promotion as soon as a trial is in its rung's top 1/η.</summary>
/// <param name="MinResource">r, the smallest resource (default 1).</param>
/// <param name="Eta">Reduction factor η ≥ 2 (default 3).</param>
/// <param name="EarlyStoppingRate">s, the minimum early-stopping rate (default 0).</param>
/// <param name="MaxConfigurations">How many configurations to draw at the bottom rung; null draws until a stopping criterion ends the search.</param>
public sealed record AshaSettings(long MinResource = 1, int Eta = 3, int EarlyStoppingRate = 0, int? MaxConfigurations = null);

/// <summary>Random search: <paramref name="Configurations"/> draws, each at the full resource.</summary>
/// <param name="Configurations">Number of configurations.</param>
public sealed record RandomSettings(int Configurations);
