namespace FunctionsOpt.Core.Search.Space;

/// <summary>
/// What a user allows the search to vary. Names are full space names (<c>{pass}.{parameter}</c>,
/// <c>{pass}.enabled</c> or <c>precision.format</c>; a fixed <c>{pass}.enabled</c> on fp16 or an int8 pass narrows
/// <c>precision.format</c>). Every limit only narrows the space the passes declare; it never widens it.
/// </summary>
public sealed record SearchLimits
{
    /// <summary>No limits.</summary>
    public static SearchLimits None { get; } = new();

    /// <summary>Pass names the search may use; null allows every applicable pass.</summary>
    public IReadOnlyList<string>? AllowedPasses { get; init; }

    /// <summary>Parameters pinned to one value (they stay in configurations and hashes).</summary>
    public IReadOnlyDictionary<string, ParameterValue> FixedValues { get; init; } = new Dictionary<string, ParameterValue>();

    /// <summary>Narrowed ranges of integer and float parameters (intersected with the declared range).</summary>
    public IReadOnlyDictionary<string, NumericRange> Ranges { get; init; } = new Dictionary<string, NumericRange>();

    /// <summary>Allowed subsets of categorical choices.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Choices { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}

/// <summary>A closed interval [Min, Max].</summary>
/// <param name="Min">Lower bound, inclusive.</param>
/// <param name="Max">Upper bound, inclusive.</param>
public sealed record NumericRange(double Min, double Max);
