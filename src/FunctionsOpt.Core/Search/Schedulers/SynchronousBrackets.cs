namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// Runs successive-halving brackets one after another with a barrier per rung: a rung is suggested whole, and the
/// next rung (the top ⌊n_i/η⌋ of the finished rung, ranked by <see cref="TrialRanking"/>) only once every trial of
/// the current one is reported. Failed and invalid trials are never promoted, so a rung may run short.
/// </summary>
internal sealed class SynchronousBrackets
{
    private readonly SchedulerCore _core;
    private readonly IReadOnlyList<BracketPlan> _brackets;
    private readonly int _iterations;
    private List<int> _rungTrials;

    public SynchronousBrackets(SchedulerCore core, IReadOnlyList<BracketPlan> brackets, int iterations, BracketCursor? cursor = null)
    {
        _core = core;
        _brackets = brackets;
        _iterations = iterations;
        Iteration = cursor?.Iteration ?? 0;
        Bracket = cursor?.Bracket ?? 0;
        Rung = cursor?.Rung ?? 0;
        _rungTrials = cursor?.RungTrials.ToList() ?? [];
    }

    public int Iteration { get; private set; }

    public int Bracket { get; private set; }

    public int Rung { get; private set; }

    public BracketCursor Cursor => new(Iteration, Bracket, Rung, _rungTrials.ToArray());

    public IReadOnlyList<Trial> Suggest()
    {
        while (_core.Stop is null)
        {
            if (_rungTrials.Count == 0)
            {
                return IssueFirstRung();
            }

            if (_rungTrials.Any(id => _core.Trials[id].State == TrialState.Pending))
            {
                return [];
            }

            var plan = _brackets[Bracket];
            var promoted = Rung + 1 < plan.Rungs.Count ? IssuePromotions(plan) : [];
            if (promoted.Count > 0 || _core.Stop is not null)
            {
                return promoted;
            }

            NextBracket();
        }

        return [];
    }

    private List<Trial> IssueFirstRung()
    {
        var plan = _brackets[Bracket];
        var issued = new List<Trial>();
        for (var k = 0L; k < plan.Rungs[0].Configurations; k++)
        {
            var trial = _core.TryIssue(_core.DrawFresh(), plan.S, 0, plan.Rungs[0].Resource, null);
            if (trial is null)
            {
                break;
            }

            issued.Add(trial);
        }

        Rung = 0;
        _rungTrials = issued.Select(t => t.Id).ToList();
        if (issued.Count == 0 && _core.Stop is null)
        {
            // An empty first rung (n = 0) ends the bracket.
            NextBracket();
        }

        return issued;
    }

    private List<Trial> IssuePromotions(BracketPlan plan)
    {
        var next = plan.Rungs[Rung + 1];
        var survivors = TrialRanking.Candidates(_rungTrials.Select(id => _core.Trials[id])).Take((int)next.Configurations).ToList();
        var issued = new List<Trial>();
        foreach (var survivor in survivors)
        {
            var trial = _core.TryIssue(survivor.Trial.Configuration, plan.S, Rung + 1, next.Resource, survivor.Trial.Id);
            if (trial is null)
            {
                break;
            }

            issued.Add(trial);
        }

        if (issued.Count > 0)
        {
            Rung++;
            _rungTrials = issued.Select(t => t.Id).ToList();
        }

        return issued;
    }

    private void NextBracket()
    {
        _rungTrials = [];
        Rung = 0;
        Bracket++;
        if (Bracket == _brackets.Count)
        {
            Bracket = 0;
            Iteration++;
            if (Iteration >= _iterations)
            {
                _core.Stop = StopReason.Exhausted;
            }
        }
    }
}
