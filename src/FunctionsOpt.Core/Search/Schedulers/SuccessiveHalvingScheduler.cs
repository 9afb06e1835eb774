using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// One successive-halving bracket (Jamieson and Talwalkar, 2016, as used inside Hyperband): n fresh configurations
/// at R·η^−s, keeping the top ⌊n_i/η⌋ of each rung for the next, up to R. Each rung is suggested whole.
/// </summary>
public sealed class SuccessiveHalvingScheduler : ISearchScheduler
{
    /// <summary>Kind name in the state document.</summary>
    public const string KindName = "successive-halving";

    private readonly SchedulerCore _core;
    private readonly SynchronousBrackets _brackets;

    /// <summary>Creates the scheduler.</summary>
    public SuccessiveHalvingScheduler(SearchSpace space, SearchObjective objective, SearchSettings settings, SuccessiveHalvingSettings halving)
        : this(new SchedulerCore(KindName, space, objective, settings), halving, null)
    {
    }

    private SuccessiveHalvingScheduler(SchedulerCore core, SuccessiveHalvingSettings halving, BracketCursor? cursor)
    {
        ArgumentNullException.ThrowIfNull(halving);
        _core = core;
        Settings = halving;
        Plan = HyperbandPlan.Bracket(core.Settings.MaxResource, halving.Eta, halving.Configurations, halving.S);
        _brackets = new SynchronousBrackets(core, [Plan], 1, cursor);
    }

    /// <summary>The settings.</summary>
    public SuccessiveHalvingSettings Settings { get; }

    /// <summary>The bracket's rungs.</summary>
    public BracketPlan Plan { get; }

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
    public string SaveState() => _core.Save(d => d with { SuccessiveHalving = Settings, Cursor = _brackets.Cursor });

    internal static SuccessiveHalvingScheduler Restore(SchedulerDocument document, SchedulerCore core) =>
        new(core, document.SuccessiveHalving ?? throw new InvalidOperationException("Successive-halving settings are missing from the state."), document.Cursor);
}
