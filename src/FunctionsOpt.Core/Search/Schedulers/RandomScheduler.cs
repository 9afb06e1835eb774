using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>Random search: seeded draws (repeats avoided where the space allows), each evaluated at the full resource R.</summary>
public sealed class RandomScheduler : ISearchScheduler
{
    /// <summary>Kind name in the state document.</summary>
    public const string KindName = "random";

    private readonly SchedulerCore _core;

    /// <summary>Creates the scheduler.</summary>
    public RandomScheduler(SearchSpace space, SearchObjective objective, SearchSettings settings, RandomSettings random)
        : this(new SchedulerCore(KindName, space, objective, settings), random, 0)
    {
    }

    private RandomScheduler(SchedulerCore core, RandomSettings random, int drawn)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(random.Configurations);
        _core = core;
        Settings = random;
        Drawn = drawn;
    }

    /// <summary>The settings.</summary>
    public RandomSettings Settings { get; }

    /// <summary>Configurations drawn so far.</summary>
    public int Drawn { get; private set; }

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
    public IReadOnlyList<Trial> Suggest(int freeWorkers, DateTimeOffset now)
    {
        if (!_core.Begin(freeWorkers, now))
        {
            return [];
        }

        var issued = new List<Trial>();
        while (issued.Count < freeWorkers && Drawn < Settings.Configurations)
        {
            var trial = _core.TryIssue(_core.DrawFresh(), 0, 0, _core.Settings.MaxResource, null);
            if (trial is null)
            {
                break;
            }

            Drawn++;
            issued.Add(trial);
        }

        if (Drawn >= Settings.Configurations && _core.Stop is null)
        {
            _core.Stop = Schedulers.StopReason.Exhausted;
        }

        return issued;
    }

    /// <inheritdoc />
    public void Report(IReadOnlyList<TrialResult> results) => _core.Report(results);

    /// <inheritdoc />
    public string SaveState() => _core.Save(d => d with { Random = Settings, Drawn = Drawn });

    internal static RandomScheduler Restore(SchedulerDocument document, SchedulerCore core) =>
        new(core, document.Random ?? throw new InvalidOperationException("Random-search settings are missing from the state."), document.Drawn);
}
