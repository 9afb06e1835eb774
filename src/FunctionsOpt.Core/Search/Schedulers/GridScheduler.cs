using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>Grid search: every configuration of <see cref="SearchSpace.EnumerateGrid"/>, in its order, at the full resource R.</summary>
public sealed class GridScheduler : ISearchScheduler
{
    /// <summary>Kind name in the state document.</summary>
    public const string KindName = "grid";

    private readonly SchedulerCore _core;
    private readonly IEnumerator<SearchConfiguration> _grid;

    /// <summary>Creates the scheduler.</summary>
    public GridScheduler(SearchSpace space, SearchObjective objective, SearchSettings settings)
        : this(new SchedulerCore(KindName, space, objective, settings), 0)
    {
    }

    private GridScheduler(SchedulerCore core, int drawn)
    {
        _core = core;
        _grid = core.Space.EnumerateGrid().Skip(drawn).GetEnumerator();
        Drawn = drawn;
    }

    /// <summary>Configurations enumerated so far.</summary>
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
        while (issued.Count < freeWorkers)
        {
            if (!_grid.MoveNext())
            {
                _core.Stop ??= Schedulers.StopReason.Exhausted;
                break;
            }

            var trial = _core.TryIssue(_grid.Current, 0, 0, _core.Settings.MaxResource, null);
            if (trial is null)
            {
                break;
            }

            Drawn++;
            issued.Add(trial);
        }

        return issued;
    }

    /// <inheritdoc />
    public void Report(IReadOnlyList<TrialResult> results) => _core.Report(results);

    /// <inheritdoc />
    public string SaveState() => _core.Save(d => d with { Drawn = Drawn });

    internal static GridScheduler Restore(SchedulerDocument document, SchedulerCore core) => new(core, document.Drawn);
}
