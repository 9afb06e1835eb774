using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FunctionsOpt.Core.Search.Space;

/// <summary>
/// A validated set of parameters, some conditional on others. Construction checks the whole space and throws
/// <see cref="InvalidSearchSpaceException"/> listing every problem; a constructed space is immutable and thread-safe.
/// Sampling and grid enumeration only ever produce configurations in which a parameter is present exactly when its
/// condition holds (no orphans, no missing parameters).
/// </summary>
public sealed class SearchSpace
{
    /// <summary>Points a float parameter without <see cref="FloatParameter.GridPoints"/> contributes to a grid: Min, Max and three points evenly spaced between (in log space when <see cref="FloatParameter.Log"/>).</summary>
    public const int DefaultFloatGridPoints = 5;

    private static readonly System.Buffers.SearchValues<char> ForbiddenNameChars = System.Buffers.SearchValues.Create("; =\t\r\n");

    private readonly Dictionary<string, ParameterDefinition> _byName;
    private readonly ParameterDefinition[] _ordered;

    /// <summary>Creates and validates the space.</summary>
    /// <exception cref="InvalidSearchSpaceException">Duplicate or malformed names, empty choices, min &gt; max, a log range that is not positive, a default outside its domain, or a condition on an unknown, non-categorical or cyclic parent.</exception>
    public SearchSpace(IEnumerable<ParameterDefinition> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        var problems = new List<string>();
        _byName = new Dictionary<string, ParameterDefinition>(StringComparer.Ordinal);
        foreach (var p in Parameters)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            if (string.IsNullOrWhiteSpace(p.Name) || p.Name.AsSpan().IndexOfAny(ForbiddenNameChars) >= 0)
            {
                problems.Add($"Parameter name '{p.Name}' must be non-empty without spaces, ';' or '='.");
            }
            else if (!_byName.TryAdd(p.Name, p))
            {
                problems.Add($"Parameter '{p.Name}' is declared more than once.");
            }

            problems.AddRange(CheckDomain(p));
        }

        foreach (var p in Parameters)
        {
            problems.AddRange(CheckCondition(p));
        }

        if (problems.Count > 0)
        {
            throw new InvalidSearchSpaceException(problems);
        }

        _ordered = Order(Parameters, _byName, problems);
        if (problems.Count > 0)
        {
            throw new InvalidSearchSpaceException(problems);
        }

        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Describe())));
    }

    /// <summary>The parameters in declaration order.</summary>
    public IReadOnlyList<ParameterDefinition> Parameters { get; }

    /// <summary>Lower-case hex SHA-256 of a canonical description of the space; a saved scheduler checks it on restore.</summary>
    public string Fingerprint { get; }

    /// <summary>The parameter called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such parameter.</exception>
    public ParameterDefinition this[string name] => _byName[name];

    /// <summary>Whether the space declares <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Every parameter at its default where active: the configuration a search starts from when it varies nothing.</summary>
    public SearchConfiguration Defaults()
    {
        var assigned = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        foreach (var p in _ordered)
        {
            if (IsActive(p, assigned))
            {
                assigned[p.Name] = p.DefaultValueOf;
            }
        }

        return new SearchConfiguration(assigned);
    }

    /// <summary>
    /// Draws one configuration: categorical, boolean and integer values uniformly, floats uniformly (log-uniformly
    /// when <see cref="FloatParameter.Log"/>), parents before children so only active parameters get values.
    /// </summary>
    public SearchConfiguration Sample(SearchRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var assigned = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        foreach (var p in _ordered)
        {
            if (IsActive(p, assigned))
            {
                assigned[p.Name] = SampleValue(p, random);
            }
        }

        return new SearchConfiguration(assigned);
    }

    /// <summary>
    /// The values grid search tries for one parameter: every choice, both booleans, every integer step, a float's
    /// <see cref="FloatParameter.GridPoints"/> or else <see cref="DefaultFloatGridPoints"/> points from Min to Max.
    /// </summary>
    public static IReadOnlyList<ParameterValue> GridValues(ParameterDefinition parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter switch
        {
            CategoricalParameter c => c.Choices.Select(ParameterValue.Of).ToArray(),
            BooleanParameter => [ParameterValue.Of(false), ParameterValue.Of(true)],
            IntegerParameter i => IntegerSteps(i),
            FloatParameter f => FloatGrid(f),
            FixedParameter x => [x.Value],
            _ => throw new NotSupportedException($"Unknown parameter kind {parameter.GetType().Name}."),
        };
    }

    /// <summary>
    /// Every valid combination of grid values, exactly once: a conditional parameter varies only where its condition
    /// holds. Lazy and deterministic (declaration order, parents first, values in <see cref="GridValues"/> order).
    /// </summary>
    public IEnumerable<SearchConfiguration> EnumerateGrid()
    {
        var grids = _ordered.Select(GridValues).ToArray();
        var assigned = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        return Walk(0);

        IEnumerable<SearchConfiguration> Walk(int index)
        {
            if (index == _ordered.Length)
            {
                yield return new SearchConfiguration(assigned);
                yield break;
            }

            var p = _ordered[index];
            if (!IsActive(p, assigned))
            {
                foreach (var c in Walk(index + 1))
                {
                    yield return c;
                }

                yield break;
            }

            foreach (var value in grids[index])
            {
                assigned[p.Name] = value;
                foreach (var c in Walk(index + 1))
                {
                    yield return c;
                }
            }

            assigned.Remove(p.Name);
        }
    }

    /// <summary>
    /// Problems that keep <paramref name="configuration"/> from being a point of this space: unknown names, orphans
    /// (present although their condition does not hold), missing active parameters, wrong kinds, values out of range.
    /// Empty when valid.
    /// </summary>
    public IReadOnlyList<string> Check(SearchConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = configuration.Values.Keys.Where(k => !_byName.ContainsKey(k)).Select(k => $"Unknown parameter '{k}'.").ToList();
        var seen = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        foreach (var p in _ordered)
        {
            var active = IsActive(p, seen);
            var present = configuration.Values.TryGetValue(p.Name, out var value);
            if (active && !present)
            {
                problems.Add($"Parameter '{p.Name}' is active but has no value.");
            }
            else if (!active && present)
            {
                problems.Add($"Parameter '{p.Name}' is present although its condition on '{p.Condition!.Parent}' does not hold.");
            }
            else if (active)
            {
                if (!InDomain(p, value))
                {
                    problems.Add($"Value {value.Canonical} is outside the domain of '{p.Name}'.");
                }

                seen[p.Name] = value;
            }
        }

        return problems;
    }

    /// <summary>Whether <paramref name="parameter"/> exists given the values already assigned to its ancestors.</summary>
    public static bool IsActive(ParameterDefinition parameter, IReadOnlyDictionary<string, ParameterValue> assigned)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(assigned);
        var condition = parameter.Condition;
        return condition is null || (assigned.TryGetValue(condition.Parent, out var parent) && condition.Values.Contains(parent));
    }

    /// <summary>Whether <paramref name="value"/> belongs to the domain of <paramref name="parameter"/> (kind, range, step, choice).</summary>
    public static bool InDomain(ParameterDefinition parameter, ParameterValue value)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter switch
        {
            CategoricalParameter c => value.Kind == ParameterValueKind.Text && c.Choices.Contains(value.Text),
            BooleanParameter => value.Kind == ParameterValueKind.Boolean,
            IntegerParameter i => value.Kind == ParameterValueKind.Integer && value.Integer >= i.Min && value.Integer <= i.Max && (value.Integer - i.Min) % i.Step == 0,
            FloatParameter f => value.Kind is ParameterValueKind.Real or ParameterValueKind.Integer && value.AsDouble >= f.Min && value.AsDouble <= f.Max,
            FixedParameter x => x.Value == value,
            _ => false,
        };
    }

    private static ParameterValue SampleValue(ParameterDefinition p, SearchRandom random)
    {
        switch (p)
        {
            case CategoricalParameter c:
                return ParameterValue.Of(c.Choices[(int)random.NextBelow((ulong)c.Choices.Count)]);
            case BooleanParameter:
                return ParameterValue.Of(random.NextBelow(2) == 1);
            case IntegerParameter i:
                var steps = (ulong)((i.Max - i.Min) / i.Step) + 1;
                return ParameterValue.Of(i.Min + (i.Step * (long)random.NextBelow(steps)));
            case FloatParameter f:
                var u = random.NextDouble();
                var x = f.Log
                    ? Math.Exp(Math.Log(f.Min) + (u * (Math.Log(f.Max) - Math.Log(f.Min))))
                    : f.Min + (u * (f.Max - f.Min));
                return ParameterValue.Of(Math.Clamp(x, f.Min, f.Max));
            case FixedParameter pinned:
                return pinned.Value;
            default:
                throw new NotSupportedException($"Unknown parameter kind {p.GetType().Name}.");
        }
    }

    private static ParameterValue[] IntegerSteps(IntegerParameter i)
    {
        var count = ((i.Max - i.Min) / i.Step) + 1;
        if (count > 1_000_000)
        {
            throw new InvalidSearchSpaceException([$"Integer parameter '{i.Name}' has {count} grid values; narrow it or raise its step for grid search."]);
        }

        var values = new ParameterValue[count];
        for (var k = 0L; k < count; k++)
        {
            values[k] = ParameterValue.Of(i.Min + (k * i.Step));
        }

        return values;
    }

    private static ParameterValue[] FloatGrid(FloatParameter f)
    {
        if (f.GridPoints is { Count: > 0 } points)
        {
            return points.Select(ParameterValue.Of).ToArray();
        }

        if (f.Min == f.Max)
        {
            return [ParameterValue.Of(f.Min)];
        }

        var values = new ParameterValue[DefaultFloatGridPoints];
        for (var k = 0; k < DefaultFloatGridPoints; k++)
        {
            var t = (double)k / (DefaultFloatGridPoints - 1);
            var x = k == 0 ? f.Min
                : k == DefaultFloatGridPoints - 1 ? f.Max
                : f.Log ? Math.Exp(Math.Log(f.Min) + (t * (Math.Log(f.Max) - Math.Log(f.Min))))
                : f.Min + (t * (f.Max - f.Min));
            values[k] = ParameterValue.Of(x);
        }

        return values;
    }

    private static IEnumerable<string> CheckDomain(ParameterDefinition p)
    {
        switch (p)
        {
            case CategoricalParameter c:
                if (c.Choices is null || c.Choices.Count == 0)
                {
                    yield return $"Categorical parameter '{p.Name}' has no choices.";
                    yield break;
                }

                if (c.Choices.Distinct(StringComparer.Ordinal).Count() != c.Choices.Count)
                {
                    yield return $"Categorical parameter '{p.Name}' lists a choice twice.";
                }

                if (c.DefaultChoice is not null && !c.Choices.Contains(c.DefaultChoice))
                {
                    yield return $"Default '{c.DefaultChoice}' of '{p.Name}' is not one of its choices.";
                }

                break;
            case IntegerParameter i:
                if (i.Min > i.Max)
                {
                    yield return $"Integer parameter '{p.Name}' has min {i.Min} > max {i.Max}.";
                }

                if (i.Step < 1)
                {
                    yield return $"Integer parameter '{p.Name}' has step {i.Step}; it must be at least 1.";
                }
                else if (i.DefaultValue is { } d && (d < i.Min || d > i.Max || (d - i.Min) % i.Step != 0))
                {
                    yield return $"Default {d} of '{p.Name}' is not on its grid [{i.Min}, {i.Max}] step {i.Step}.";
                }

                break;
            case FloatParameter f:
                if (!double.IsFinite(f.Min) || !double.IsFinite(f.Max))
                {
                    yield return $"Float parameter '{p.Name}' needs finite bounds.";
                    yield break;
                }

                if (f.Min > f.Max)
                {
                    yield return $"Float parameter '{p.Name}' has min {F(f.Min)} > max {F(f.Max)}.";
                }

                if (f.Log && f.Min <= 0)
                {
                    yield return $"Log-scaled parameter '{p.Name}' needs min > 0, not {F(f.Min)}.";
                }

                if (f.GridPoints is not null && (f.GridPoints.Count == 0 || f.GridPoints.Any(g => !double.IsFinite(g) || g < f.Min || g > f.Max)))
                {
                    yield return $"Grid points of '{p.Name}' must be a non-empty list within [{F(f.Min)}, {F(f.Max)}].";
                }

                if (f.DefaultValue is { } dv && (dv < f.Min || dv > f.Max))
                {
                    yield return $"Default {F(dv)} of '{p.Name}' is outside [{F(f.Min)}, {F(f.Max)}].";
                }

                break;
            default:
                break;
        }
    }

    private IEnumerable<string> CheckCondition(ParameterDefinition p)
    {
        if (p.Condition is not { } condition)
        {
            yield break;
        }

        if (!_byName.TryGetValue(condition.Parent ?? string.Empty, out var parent))
        {
            yield return $"Parameter '{p.Name}' is conditional on unknown parameter '{condition.Parent}'.";
            yield break;
        }

        var categoricalParent = parent is CategoricalParameter or BooleanParameter
            || (parent is FixedParameter x && x.Value.Kind is ParameterValueKind.Text or ParameterValueKind.Boolean);
        if (!categoricalParent)
        {
            yield return $"Parameter '{p.Name}' is conditional on '{parent.Name}', which is not categorical or boolean.";
            yield break;
        }

        if (condition.Values is null || condition.Values.Count == 0)
        {
            yield return $"The condition of '{p.Name}' on '{parent.Name}' lists no values.";
            yield break;
        }

        foreach (var v in condition.Values.Where(v => !InDomain(parent, v)))
        {
            yield return $"The condition of '{p.Name}' names {v.Canonical}, which '{parent.Name}' cannot take.";
        }
    }

    private static ParameterDefinition[] Order(IReadOnlyList<ParameterDefinition> parameters, Dictionary<string, ParameterDefinition> byName, List<string> problems)
    {
        // Depth of each parameter in its condition chain; a chain that revisits a parameter is a cycle.
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            var chain = new HashSet<string>(StringComparer.Ordinal);
            var current = p;
            while (current.Condition is { } c)
            {
                if (!chain.Add(current.Name))
                {
                    problems.Add($"Parameter '{p.Name}' is part of a condition cycle ({string.Join(" -> ", chain)}).");
                    break;
                }

                current = byName[c.Parent];
            }

            depth[p.Name] = chain.Count;
        }

        // Stable: by depth, then declaration order; parents always come before their children.
        return parameters.Select((p, i) => (p, i)).OrderBy(t => depth[t.p.Name]).ThenBy(t => t.i).Select(t => t.p).ToArray();
    }

    private string Describe()
    {
        var sb = new StringBuilder();
        foreach (var p in Parameters)
        {
            sb.Append(p.GetType().Name).Append('|').Append(p.Name).Append('|');
            sb.Append(string.Join(",", GridDomainText(p))).Append('|');
            if (p.Condition is { } c)
            {
                sb.Append(c.Parent).Append(" in ").Append(string.Join(",", c.Values.Select(v => v.Canonical)));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static IEnumerable<string> GridDomainText(ParameterDefinition p) => p switch
    {
        IntegerParameter i => [F(i.Min), F(i.Max), F(i.Step)],
        FloatParameter f => [F(f.Min), F(f.Max), f.Log ? "log" : "lin", .. (f.GridPoints ?? []).Select(F)],
        _ => GridValues(p).Select(v => v.Canonical),
    };

    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
