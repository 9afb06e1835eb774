using System.Text.Json;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Serialization;

namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>
/// State and rules every scheduler shares: the trial table, the random stream, stopping, reporting and the state
/// document. The policies (grid, random, brackets, ASHA) decide only which trial comes next.
/// </summary>
internal sealed class SchedulerCore
{
    private const int FreshDrawAttempts = 64;

    private readonly List<TrialRecord> _trials = [];
    private readonly HashSet<string> _drawnHashes = new(StringComparer.Ordinal);

    public SchedulerCore(string kind, SearchSpace space, SearchObjective objective, SearchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxResource, 1);
        Kind = kind;
        Space = space;
        Objective = objective;
        Settings = settings;
        Random = new SearchRandom(settings.Seed);
    }

    public string Kind { get; }

    public SearchSpace Space { get; }

    public SearchObjective Objective { get; }

    public SearchSettings Settings { get; }

    public SearchRandom Random { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public StopReason? Stop { get; set; }

    public double ResourceSpent { get; private set; }

    public IReadOnlyList<TrialRecord> Trials => _trials;

    public bool HasPending => _trials.Any(t => t.State == TrialState.Pending);

    public bool IsFinished => Stop is not null && !HasPending;

    /// <summary>Starts the clock on the first call and applies the wall-time limit; false when no trial may be suggested.</summary>
    public bool Begin(int freeWorkers, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(freeWorkers);
        StartedAt ??= now;
        if (Stop is null && Settings.Stopping.MaxWallTime is { } limit && now - StartedAt.Value >= limit)
        {
            Stop = StopReason.MaxWallTime;
        }

        return Stop is null && freeWorkers > 0;
    }

    /// <summary>A configuration not drawn before in this search, if one turns up within a few draws; else a repeat.</summary>
    public SearchConfiguration DrawFresh()
    {
        var configuration = Space.Sample(Random);
        for (var attempt = 1; attempt < FreshDrawAttempts && _drawnHashes.Contains(configuration.Hash); attempt++)
        {
            configuration = Space.Sample(Random);
        }

        return configuration;
    }

    /// <summary>Adds a trial unless a stopping limit forbids it (then sets <see cref="Stop"/> and returns null).</summary>
    public Trial? TryIssue(SearchConfiguration configuration, int bracket, int rung, double resource, int? promotedFrom)
    {
        if (Stop is not null)
        {
            return null;
        }

        var stopping = Settings.Stopping;
        if (stopping.MaxTrials is { } maxTrials && _trials.Count >= maxTrials)
        {
            Stop = StopReason.MaxTrials;
            return null;
        }

        if (stopping.MaxTotalResource is { } maxResource && ResourceSpent + resource > maxResource)
        {
            Stop = StopReason.MaxTotalResource;
            return null;
        }

        var fraction = Math.Min(1.0, resource / Settings.MaxResource);
        var trial = new Trial
        {
            Id = _trials.Count,
            Configuration = configuration,
            Bracket = bracket,
            Rung = rung,
            Resource = resource,
            ResourceFraction = fraction,
            Budget = Settings.Budget.For(fraction),
            PromotedFrom = promotedFrom,
        };
        Add(new TrialRecord(trial, TrialState.Pending, null, null, false));
        ResourceSpent += resource;
        if (promotedFrom is { } parent)
        {
            _trials[parent] = _trials[parent] with { Promoted = true };
        }

        return trial;
    }

    public void Report(IReadOnlyList<TrialResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            ArgumentNullException.ThrowIfNull(result, nameof(results));
            if (result.TrialId < 0 || result.TrialId >= _trials.Count)
            {
                throw new ArgumentException($"Trial {result.TrialId} was never suggested.", nameof(results));
            }

            if (_trials[result.TrialId].State != TrialState.Pending)
            {
                continue;
            }

            _trials[result.TrialId] = Judge(_trials[result.TrialId], result);
            var record = _trials[result.TrialId];
            if (Settings.Stopping.StopWhenTargetMet && Stop is null && Objective.TargetScore is { } target
                && record.State == TrialState.Succeeded && record.Trial.Resource >= Settings.MaxResource
                && record.Assessment!.PointMeetsAll && record.Assessment.Score <= target)
            {
                Stop = StopReason.TargetMet;
            }
        }
    }

    public string Save(Func<SchedulerDocument, SchedulerDocument> extend)
    {
        var document = new SchedulerDocument
        {
            Kind = Kind,
            SpaceFingerprint = Space.Fingerprint,
            ObjectiveFingerprint = Objective.Fingerprint,
            Settings = Settings,
            Rng = Random.State,
            StartedAt = StartedAt,
            Stop = Stop,
            Trials = _trials.Select(t => new TrialDocument
            {
                Id = t.Trial.Id,
                Configuration = t.Trial.Configuration.ToCanonical(),
                Bracket = t.Trial.Bracket,
                Rung = t.Trial.Rung,
                Resource = t.Trial.Resource,
                PromotedFrom = t.Trial.PromotedFrom,
                Promoted = t.Promoted,
                Result = t.Result,
            }).ToArray(),
        };
        return JsonSerializer.Serialize(extend(document), JsonDefaults.Options);
    }

    public static SchedulerDocument Load(string json) =>
        JsonSerializer.Deserialize<SchedulerDocument>(json, JsonDefaults.Options) ?? throw new JsonException("Empty scheduler state document.");

    public static SchedulerCore Restore(SchedulerDocument document, SearchSpace space, SearchObjective objective)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Format != 1)
        {
            throw new InvalidOperationException($"Scheduler state format {document.Format} is not supported (expected 1).");
        }

        if (!string.Equals(document.SpaceFingerprint, space.Fingerprint, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The saved scheduler was built for a different search space.");
        }

        if (!string.Equals(document.ObjectiveFingerprint, objective.Fingerprint, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The saved scheduler was built for a different objective.");
        }

        var core = new SchedulerCore(document.Kind, space, objective, document.Settings)
        {
            Random = SearchRandom.FromState(document.Rng),
            StartedAt = document.StartedAt,
            Stop = document.Stop,
        };
        foreach (var t in document.Trials.OrderBy(t => t.Id))
        {
            var fraction = Math.Min(1.0, t.Resource / document.Settings.MaxResource);
            var trial = new Trial
            {
                Id = t.Id,
                Configuration = SearchConfiguration.FromCanonical(t.Configuration),
                Bracket = t.Bracket,
                Rung = t.Rung,
                Resource = t.Resource,
                ResourceFraction = fraction,
                Budget = document.Settings.Budget.For(fraction),
                PromotedFrom = t.PromotedFrom,
            };
            var record = new TrialRecord(trial, TrialState.Pending, null, null, t.Promoted);
            core.Add(t.Result is null ? record : core.Judge(record, t.Result));
            core.ResourceSpent += t.Resource;
        }

        return core;
    }

    private void Add(TrialRecord record)
    {
        _trials.Add(record);
        if (record.Trial.PromotedFrom is null)
        {
            _drawnHashes.Add(record.Trial.Configuration.Hash);
        }
    }

    private TrialRecord Judge(TrialRecord record, TrialResult result)
    {
        switch (result.Status)
        {
            case TrialStatus.Failed:
                return record with { State = TrialState.Failed, Result = result };
            case TrialStatus.Invalid:
                return record with { State = TrialState.Invalid, Result = result };
            default:
                var assessment = Objective.Assess(result, out var problem);
                return assessment is null
                    ? record with { State = TrialState.Invalid, Result = result, Problem = problem }
                    : record with { State = TrialState.Succeeded, Result = result, Assessment = assessment };
        }
    }
}
