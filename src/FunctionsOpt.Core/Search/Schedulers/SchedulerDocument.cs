namespace FunctionsOpt.Core.Search.Schedulers;

/// <summary>The JSON state document of a scheduler (format 1).</summary>
internal sealed record SchedulerDocument
{
    public int Format { get; init; } = 1;

    public required string Kind { get; init; }

    public required string SpaceFingerprint { get; init; }

    public required string ObjectiveFingerprint { get; init; }

    public required SearchSettings Settings { get; init; }

    public HyperbandSettings? Hyperband { get; init; }

    public SuccessiveHalvingSettings? SuccessiveHalving { get; init; }

    public AshaSettings? Asha { get; init; }

    public RandomSettings? Random { get; init; }

    public required IReadOnlyList<ulong> Rng { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public StopReason? Stop { get; init; }

    public required IReadOnlyList<TrialDocument> Trials { get; init; }

    /// <summary>Synchronous brackets: iteration, bracket index, rung, and ids of the current rung's trials.</summary>
    public BracketCursor? Cursor { get; init; }

    /// <summary>Grid: configurations enumerated so far. Random and ASHA: configurations drawn so far.</summary>
    public int Drawn { get; init; }
}

internal sealed record BracketCursor(int Iteration, int Bracket, int Rung, IReadOnlyList<int> RungTrials);

internal sealed record TrialDocument
{
    public required int Id { get; init; }

    public required IReadOnlyDictionary<string, string> Configuration { get; init; }

    public required int Bracket { get; init; }

    public required int Rung { get; init; }

    public required double Resource { get; init; }

    public int? PromotedFrom { get; init; }

    public bool Promoted { get; init; }

    public TrialResult? Result { get; init; }
}
