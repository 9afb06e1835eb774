using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// Hyperband exactly as Li et al. (JMLR 2018, Algorithm 1): brackets s = s_max..0 of successive halving, bracket s
/// starting ⌈(s_max+1)/(s+1)·η^s⌉ fresh configurations at R·η^−s and keeping ⌊n_i/η⌋ per rung (see
/// <see cref="HyperbandPlan"/>). Brackets run one after another; each rung is suggested whole.
/// </summary>
public sealed class HyperbandScheduler : ISearchScheduler
{
    /// <summary>Kind name in the state document.</summary>
    public const string KindName = "hyperband";

    private readonly SchedulerCore _core;
    private readonly SynchronousBrackets _brackets;

    /// <summary>Creates the scheduler.</summary>
    public HyperbandScheduler(SearchSpace space, SearchObjective objective, SearchSettings settings, HyperbandSettings hyperband)
        : this(new SchedulerCore(KindName, space, objective, settings), hyperband, null)
    {
    }

    private HyperbandScheduler(SchedulerCore core, HyperbandSettings hyperband, BracketCursor? cursor)
    {
        ArgumentNullException.ThrowIfNull(hyperband);
        ArgumentOutOfRangeException.ThrowIfLessThan(hyperband.Eta, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(hyperband.Iterations, 1);
        _core = core;
        Settings = hyperband;
        Plan = HyperbandPlan.Brackets(core.Settings.MaxResource, hyperband.Eta);
        _brackets = new SynchronousBrackets(core, Plan, hyperband.Iterations, cursor);
    }

    /// <summary>The Hyperband settings.</summary>
    public HyperbandSettings Settings { get; }

    /// <summary>The brackets, s = s_max first.</summary>
    public IReadOnlyList<BracketPlan> Plan { get; }

    /// <inheritdoc />
    public string Kind => KindName;

    /// <inheritdoc />
    public bool IsFinished => _core.IsFinished;

    /// <inheritdoc />
    public StopReason? StopReason => _core.Stop;

    /// <inheritdoc />
    public IReadOnlyList<TrialRecord> Trials => _core.Trials;

    /// <inheritdoc />
    public double ResourceSpent => _core.ResourceSpent;

    /// <inheritdoc />
    public long MaxResource => _core.Settings.MaxResource;

    /// <inheritdoc />
    public IReadOnlyList<Trial> Suggest(int freeWorkers, DateTimeOffset now) => _core.Begin(freeWorkers, now) ? _brackets.Suggest() : [];

    /// <inheritdoc />
    public void Report(IReadOnlyList<TrialResult> results) => _core.Report(results);

    /// <inheritdoc />
    public string SaveState() => _core.Save(d => d with { Hyperband = Settings, Cursor = _brackets.Cursor });

    internal static HyperbandScheduler Restore(SchedulerDocument document, SchedulerCore core) =>
        new(core, document.Hyperband ?? throw new InvalidOperationException("Hyperband settings are missing from the state."), document.Cursor);
}
