using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020,
/// Algorithm 2). Rung k runs at r·η^(s+k) for k &lt; K and at R for the top rung K = ⌊log_η(R/r)⌋ − s (the two agree
/// when R/r is a power of η). Each free worker gets a job at once, with no rung barrier: the highest rung k &lt; K
/// with a reported trial in its top ⌊|rung k|/η⌋ (|rung k| = reported trials, ranked by the promotion order) that
/// is not yet promoted promotes that trial to k + 1; otherwise a fresh configuration starts at rung 0.
/// </summary>
public sealed class AshaScheduler : ISearchScheduler
{
    /// <summary>Kind name in the state document.</summary>
    public const string KindName = "asha";

    private readonly SchedulerCore _core;

    /// <summary>Creates the scheduler.</summary>
    /// <exception cref="ArgumentException">Neither <see cref="AshaSettings.MaxConfigurations"/> nor any stopping limit bounds the search.</exception>
    public AshaScheduler(SearchSpace space, SearchObjective objective, SearchSettings settings, AshaSettings asha)
        : this(new SchedulerCore(KindName, space, objective, settings), asha, 0)
    {
        var s = settings.Stopping;
        if (asha.MaxConfigurations is null && s.MaxTrials is null && s.MaxTotalResource is null && s.MaxWallTime is null && objective.TargetScore is null)
        {
            throw new ArgumentException("ASHA needs MaxConfigurations or a stopping limit; otherwise it never ends.", nameof(asha));
        }
    }

    private AshaScheduler(SchedulerCore core, AshaSettings asha, int drawn)
    {
        ArgumentNullException.ThrowIfNull(asha);
        ArgumentOutOfRangeException.ThrowIfLessThan(asha.Eta, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(asha.MinResource, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(asha.EarlyStoppingRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(asha.MinResource, core.Settings.MaxResource);
        _core = core;
        Settings = asha;
        Drawn = drawn;
        TopRung = HyperbandPlan.FloorLog(core.Settings.MaxResource / asha.MinResource, asha.Eta) - asha.EarlyStoppingRate;
        ArgumentOutOfRangeException.ThrowIfNegative(TopRung, nameof(asha));
        var resources = new double[TopRung + 1];
        for (var k = 0; k < TopRung; k++)
        {
            resources[k] = asha.MinResource * HyperbandPlan.Power(asha.Eta, asha.EarlyStoppingRate + k);
        }

        resources[TopRung] = core.Settings.MaxResource;
        RungResources = resources;
    }

    /// <summary>The settings.</summary>
    public AshaSettings Settings { get; }

    /// <summary>K, the top rung (at R).</summary>
    public int TopRung { get; }

    /// <summary>Resource of each rung 0..K.</summary>
    public IReadOnlyList<double> RungResources { get; }

    /// <summary>Fresh configurations drawn so far.</summary>
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
        while (issued.Count < freeWorkers && NextJob() is { } trial)
        {
            issued.Add(trial);
        }

        if (issued.Count == 0 && _core.Stop is null && !_core.HasPending)
        {
            _core.Stop = Schedulers.StopReason.Exhausted;
        }

        return issued;
    }

    /// <inheritdoc />
    public void Report(IReadOnlyList<TrialResult> results) => _core.Report(results);

    /// <inheritdoc />
    public string SaveState() => _core.Save(d => d with { Asha = Settings, Drawn = Drawn });

    internal static AshaScheduler Restore(SchedulerDocument document, SchedulerCore core) =>
        new(core, document.Asha ?? throw new InvalidOperationException("ASHA settings are missing from the state."), document.Drawn);

    private Trial? NextJob()
    {
        for (var k = TopRung - 1; k >= 0; k--)
        {
            var reported = _core.Trials.Where(t => t.Trial.Rung == k && t.State != TrialState.Pending).ToList();
            var candidate = TrialRanking.Candidates(reported).Take(reported.Count / Settings.Eta).FirstOrDefault(t => !t.Promoted);
            if (candidate is not null)
            {
                return _core.TryIssue(candidate.Trial.Configuration, Settings.EarlyStoppingRate, k + 1, RungResources[k + 1], candidate.Trial.Id);
            }
        }

        if (Settings.MaxConfigurations is { } max && Drawn >= max)
        {
            return null;
        }

        var trial = _core.TryIssue(_core.DrawFresh(), Settings.EarlyStoppingRate, 0, RungResources[0], null);
        if (trial is not null)
        {
            Drawn++;
        }

        return trial;
    }
}
