namespace FunctionsOpt.Core.Search.Space;

/// <summary>
/// A parameter that exists only when another parameter takes one of some values (for example the calibration
/// method exists only when the quantization mode is "static").
/// </summary>
/// <param name="Parent">Name of the parent parameter.</param>
/// <param name="Values">Parent values (canonical forms) that make this parameter exist.</param>
public sealed record ParameterCondition(string Parent, IReadOnlyList<ParameterValue> Values);

/// <summary>One searchable parameter. Names are global across a space, conventionally <c>pass.parameter</c>.</summary>
public abstract record ParameterDefinition(string Name)
{
    /// <summary>When set, the parameter exists only if the condition holds.</summary>
    public ParameterCondition? Condition { get; init; }

    /// <summary>The value used when a search does not vary this parameter.</summary>
    public abstract ParameterValue DefaultValueOf { get; }
}

/// <summary>A choice among text values.</summary>
public sealed record CategoricalParameter(string Name, IReadOnlyList<string> Choices, string? DefaultChoice = null) : ParameterDefinition(Name)
{
    /// <inheritdoc />
    public override ParameterValue DefaultValueOf => ParameterValue.Of(DefaultChoice ?? Choices[0]);
}

/// <summary>A boolean switch.</summary>
public sealed record BooleanParameter(string Name, bool DefaultValue = false) : ParameterDefinition(Name)
{
    /// <inheritdoc />
    public override ParameterValue DefaultValueOf => ParameterValue.Of(DefaultValue);
}

/// <summary>An integer in [Min, Max] on a grid of <paramref name="Step"/>.</summary>
public sealed record IntegerParameter(string Name, long Min, long Max, long Step = 1, long? DefaultValue = null) : ParameterDefinition(Name)
{
    /// <inheritdoc />
    public override ParameterValue DefaultValueOf => ParameterValue.Of(DefaultValue ?? Min);
}

/// <summary>A real in [Min, Max]; <paramref name="Log"/> samples uniformly in log space. <paramref name="GridPoints"/> are the values grid search tries.</summary>
public sealed record FloatParameter(string Name, double Min, double Max, bool Log = false, IReadOnlyList<double>? GridPoints = null, double? DefaultValue = null) : ParameterDefinition(Name)
{
    /// <inheritdoc />
    public override ParameterValue DefaultValueOf => ParameterValue.Of(DefaultValue ?? Min);
}

/// <summary>
/// A parameter pinned to one value (a user limit fixed it). It stays in the space so that conditions on it still
/// resolve and so that the value is part of every configuration's canonical form and hash.
/// </summary>
public sealed record FixedParameter(string Name, ParameterValue Value) : ParameterDefinition(Name)
{
    /// <inheritdoc />
    public override ParameterValue DefaultValueOf => Value;
}
