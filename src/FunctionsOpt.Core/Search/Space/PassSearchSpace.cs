using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Passes.Pipeline;
using Onnx;

namespace FunctionsOpt.Core.Search.Space;

/// <summary>A pass the search left out, and why (not applicable to the model, or not allowed by the user).</summary>
/// <param name="Pass">Pass name.</param>
/// <param name="Reason">Why it was left out.</param>
public sealed record ExcludedPass(string Pass, string Reason);

/// <summary>One step of the pipeline a configuration selects: the pass and its local parameter values.</summary>
/// <param name="Pass">The pass.</param>
/// <param name="Parameters">Its values, keyed by local parameter names.</param>
public sealed record PipelineStep(IModelPass Pass, PassParameters Parameters);

/// <summary>
/// The search space of one model, derived from the passes that apply to it and intersected with the user's limits.
/// Each included pass contributes a boolean <c>{pass}.enabled</c> and its parameters as <c>{pass}.{parameter}</c>;
/// a parameter without a condition of its own is conditional on <c>{pass}.enabled = true</c>, and a parameter with a
/// condition keeps it (its parent renamed), which chains back to <c>enabled</c>. So a pass's parameters exist only
/// in configurations that choose the pass.
/// The numeric-format passes (<see cref="PassKind.Precision"/> and <see cref="PassKind.Quantization"/>) are the
/// exception: a model gets at most one of them (fp16 then int8, or two int8 passes, is never a valid pipeline: the
/// second refuses an already converted graph), so instead of one switch each they share the categorical
/// <see cref="FormatParameter"/> whose choices are <see cref="OriginalFormat"/> and their names, and their parameters
/// are conditional on it naming them. Independent switches made about half of all sampled configurations invalid.
/// </summary>
public sealed class PassSearchSpace
{
    /// <summary>Local name of the switch each pass gets.</summary>
    public const string EnabledParameter = "enabled";

    /// <summary>The one choice among the numeric-format passes.</summary>
    public const string FormatParameter = "precision.format";

    /// <summary>The <see cref="FormatParameter"/> choice that keeps the model's own numeric format.</summary>
    public const string OriginalFormat = "original";

    private PassSearchSpace(SearchSpace space, IReadOnlyList<IModelPass> passes, IReadOnlyList<ExcludedPass> excluded, IReadOnlyList<string> ignoredLimits)
    {
        Space = space;
        Passes = passes;
        Excluded = excluded;
        IgnoredLimits = ignoredLimits;
    }

    /// <summary>The validated space.</summary>
    public SearchSpace Space { get; }

    /// <summary>The passes in the space, in catalogue order (the order a pipeline applies them).</summary>
    public IReadOnlyList<IModelPass> Passes { get; }

    /// <summary>Catalogue passes left out, with reasons.</summary>
    public IReadOnlyList<ExcludedPass> Excluded { get; }

    /// <summary>Limits on parameters of excluded passes: harmless, reported rather than failing the run.</summary>
    public IReadOnlyList<string> IgnoredLimits { get; }

    /// <summary>The full space name of a pass parameter.</summary>
    public static string NameOf(string pass, string parameter) => pass + "." + parameter;

    /// <summary>Derives the space for <paramref name="model"/>.</summary>
    /// <exception cref="InvalidSearchSpaceException">A limit names an unknown pass or parameter, empties a domain, or a fixed value is outside the declared domain; or the passes declare an invalid space.</exception>
    public static PassSearchSpace Create(IPassCatalogue catalogue, ModelProto model, SearchLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(model);
        limits ??= SearchLimits.None;
        var problems = new List<string>();
        var known = catalogue.Passes.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange((limits.AllowedPasses ?? []).Where(a => !known.Contains(a)).Select(a => $"Allowed pass '{a}' is not in the catalogue."));

        var included = new List<IModelPass>();
        var excluded = new List<ExcludedPass>();
        var prepared = new Dictionary<long, ModelProto>();
        var inputs = new Dictionary<IModelPass, ModelProto>();
        foreach (var pass in catalogue.Passes)
        {
            if (limits.AllowedPasses is { } allowed && !allowed.Contains(pass.Name, StringComparer.Ordinal))
            {
                excluded.Add(new ExcludedPass(pass.Name, "not in the allowed passes"));
                continue;
            }

            inputs[pass] = InputOf(pass, model, prepared);
            var applicability = pass.CheckApplicability(inputs[pass]);
            if (applicability.Applies)
            {
                included.Add(pass);
            }
            else
            {
                excluded.Add(new ExcludedPass(pass.Name, applicability.Reason));
            }
        }

        var formatPasses = included.Where(IsFormatPass).Select(p => p.Name).ToList();
        if (formatPasses.Count > 0 && included.Any(p => FormatParameter.StartsWith(p.Name + ".", StringComparison.Ordinal)))
        {
            problems.Add($"A pass named 'precision' clashes with the search's own '{FormatParameter}' parameter.");
        }

        limits = TranslateFormatSwitches(limits, formatPasses, problems);
        if (limits.Choices.TryGetValue(FormatParameter, out var formats))
        {
            // A format pass the limits rule out leaves the space entirely, as a disallowed pass does, so that no
            // parameter stays conditional on a choice the format can no longer take.
            foreach (var name in formatPasses.Where(f => !formats.Contains(f)))
            {
                included.RemoveAll(p => p.Name == name);
                excluded.Add(new ExcludedPass(name, $"not among the allowed '{FormatParameter}' choices"));
            }

            formatPasses = formatPasses.Where(formats.Contains).ToList();
            if (formatPasses.Count == 0 && formats.Contains(OriginalFormat))
            {
                limits = limits with { Choices = limits.Choices.Where(kv => kv.Key != FormatParameter).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) };
            }
        }

        var definitions = new List<ParameterDefinition>();
        foreach (var pass in included)
        {
            if (pass.Parameters.Any(p => p.Name == EnabledParameter))
            {
                problems.Add($"Pass '{pass.Name}' declares a parameter named '{EnabledParameter}', which the search reserves.");
            }

            ParameterCondition chosen;
            if (IsFormatPass(pass))
            {
                if (pass.Name == formatPasses[0])
                {
                    definitions.Add(new CategoricalParameter(FormatParameter, [OriginalFormat, .. formatPasses], DefaultChoice: OriginalFormat));
                }

                chosen = new ParameterCondition(FormatParameter, [ParameterValue.Of(pass.Name)]);
            }
            else
            {
                var enabledName = NameOf(pass.Name, EnabledParameter);
                definitions.Add(new BooleanParameter(enabledName, DefaultValue: false));
                chosen = new ParameterCondition(enabledName, [ParameterValue.Of(true)]);
            }

            foreach (var local in pass.ParametersFor(inputs[pass]))
            {
                var condition = local.Condition is { } c ? new ParameterCondition(NameOf(pass.Name, c.Parent), c.Values) : chosen;
                definitions.Add(Rename(local, NameOf(pass.Name, local.Name)) with { Condition = condition });
            }
        }

        var byName = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var ignored = new List<string>();
        var limitedNames = limits.FixedValues.Keys.Concat(limits.Ranges.Keys).Concat(limits.Choices.Keys).Distinct(StringComparer.Ordinal);
        foreach (var name in limitedNames.Where(n => !byName.ContainsKey(n)))
        {
            var pass = excluded.FirstOrDefault(e => name.StartsWith(e.Pass + ".", StringComparison.Ordinal));
            if (pass is null)
            {
                problems.Add($"Limit names unknown parameter '{name}'.");
            }
            else
            {
                ignored.Add($"{name}: pass '{pass.Pass}' is excluded ({pass.Reason}).");
            }
        }

        for (var k = 0; k < definitions.Count; k++)
        {
            definitions[k] = Narrow(definitions[k], limits, problems);
        }

        if (problems.Count > 0)
        {
            throw new InvalidSearchSpaceException(problems);
        }

        return new PassSearchSpace(new SearchSpace(definitions), included, excluded, ignored);
    }

    /// <summary>
    /// The model <paramref name="pass"/> would receive, on which it is judged and its parameters narrowed: graph
    /// preparation and runtime passes run first, on the model as given; a lossy pass runs after canonicalisation (see
    /// <see cref="PassPipeline"/>), which also raises the opset to the pass's declared minimum. Judging lossy passes on
    /// the original left out int8 on models with Constant-held weights or an old opset that the pipeline fixes.
    /// </summary>
    private static ModelProto InputOf(IModelPass pass, ModelProto model, Dictionary<long, ModelProto> prepared)
    {
        if (pass.Kind is PassKind.GraphPreparation or PassKind.Runtime || model.Graph is null)
        {
            return model;
        }

        var opset = pass.Needs(PassParameters.Empty).MinimumOpset;
        if (!prepared.TryGetValue(opset, out var input))
        {
            input = CanonicalisePass.Prepare(model, opset);
            prepared[opset] = input;
        }

        return input;
    }

    /// <summary>
    /// The passes <paramref name="configuration"/> enables, in catalogue order, each with its local parameter values.
    /// </summary>
    /// <exception cref="InvalidSearchSpaceException">The configuration is not a point of <see cref="Space"/>.</exception>
    public IReadOnlyList<PipelineStep> ToPipeline(SearchConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = Space.Check(configuration);
        if (problems.Count > 0)
        {
            throw new InvalidSearchSpaceException(problems);
        }

        var steps = new List<PipelineStep>();
        foreach (var pass in Passes)
        {
            var enabled = IsFormatPass(pass)
                ? configuration.Values[FormatParameter] == ParameterValue.Of(pass.Name)
                : configuration.Values[NameOf(pass.Name, EnabledParameter)].AsBoolean;
            if (!enabled)
            {
                continue;
            }

            var prefix = pass.Name + ".";
            var local = configuration.Values
                .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Key != prefix + EnabledParameter)
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
            steps.Add(new PipelineStep(pass, new PassParameters(local)));
        }

        return steps;
    }

    /// <summary>Whether <paramref name="pass"/> changes the model's numeric format (at most one such pass per pipeline).</summary>
    public static bool IsFormatPass(IModelPass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        return pass.Kind is PassKind.Precision or PassKind.Quantization;
    }

    /// <summary>
    /// Limits written as <c>{pass}.enabled</c> on a numeric-format pass become a choices limit on
    /// <see cref="FormatParameter"/>: <c>true</c> pins the format to that pass, <c>false</c> removes it.
    /// </summary>
    private static SearchLimits TranslateFormatSwitches(SearchLimits limits, IReadOnlyList<string> formatPasses, List<string> problems)
    {
        var switches = formatPasses
            .Select(pass => (Pass: pass, Name: NameOf(pass, EnabledParameter)))
            .Where(x => limits.FixedValues.ContainsKey(x.Name))
            .ToList();
        if (switches.Count == 0)
        {
            return limits;
        }

        IEnumerable<string> allowed = limits.Choices.TryGetValue(FormatParameter, out var given) ? given : [OriginalFormat, .. formatPasses];
        foreach (var (pass, name) in switches)
        {
            var value = limits.FixedValues[name];
            if (value.Kind != ParameterValueKind.Boolean)
            {
                problems.Add($"Fixed value {value.Canonical} of '{name}' is not a boolean.");
                continue;
            }

            allowed = value.AsBoolean ? allowed.Where(f => f == pass) : allowed.Where(f => f != pass);
        }

        var kept = allowed.ToList();
        if (kept.Count == 0)
        {
            problems.Add($"The limits on {string.Join(", ", switches.Select(x => $"'{x.Name}'"))} leave '{FormatParameter}' with no choice: at most one numeric-format pass can be enabled.");
            kept = [OriginalFormat];
        }

        var names = switches.Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
        return limits with
        {
            FixedValues = limits.FixedValues.Where(kv => !names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            Choices = new Dictionary<string, IReadOnlyList<string>>(limits.Choices, StringComparer.Ordinal) { [FormatParameter] = kept },
        };
    }

    private static ParameterDefinition Rename(ParameterDefinition p, string name) => p switch
    {
        CategoricalParameter c => c with { Name = name },
        BooleanParameter b => b with { Name = name },
        IntegerParameter i => i with { Name = name },
        FloatParameter f => f with { Name = name },
        FixedParameter x => x with { Name = name },
        _ => throw new NotSupportedException($"Unknown parameter kind {p.GetType().Name}."),
    };

    private static ParameterDefinition Narrow(ParameterDefinition p, SearchLimits limits, List<string> problems)
    {
        if (limits.FixedValues.TryGetValue(p.Name, out var fixedValue))
        {
            if (!SearchSpace.InDomain(p, fixedValue))
            {
                problems.Add($"Fixed value {fixedValue.Canonical} is outside the domain of '{p.Name}'.");
            }

            return new FixedParameter(p.Name, fixedValue) { Condition = p.Condition };
        }

        if (limits.Choices.TryGetValue(p.Name, out var choices))
        {
            if (p is not CategoricalParameter c)
            {
                problems.Add($"Choices limit on '{p.Name}', which is not categorical.");
                return p;
            }

            problems.AddRange(choices.Where(x => !c.Choices.Contains(x)).Select(x => $"Choice '{x}' is not offered by '{p.Name}'."));
            var kept = c.Choices.Where(choices.Contains).ToArray();
            if (kept.Length == 0)
            {
                problems.Add($"Choices limit leaves '{p.Name}' with no choice.");
                return p;
            }

            return c with { Choices = kept, DefaultChoice = kept.Contains(c.DefaultChoice) ? c.DefaultChoice : null };
        }

        if (!limits.Ranges.TryGetValue(p.Name, out var range))
        {
            return p;
        }

        switch (p)
        {
            case IntegerParameter i:
                var lo = Math.Max(i.Min, (long)Math.Ceiling(range.Min));
                lo = i.Min + (((lo - i.Min + i.Step - 1) / i.Step) * i.Step);
                var hi = Math.Min(i.Max, (long)Math.Floor(range.Max));
                hi = i.Min + (((hi - i.Min) / i.Step) * i.Step);
                if (lo > hi)
                {
                    problems.Add($"Range limit [{range.Min}, {range.Max}] leaves '{p.Name}' empty.");
                    return p;
                }

                return i with { Min = lo, Max = hi, DefaultValue = i.DefaultValue is { } d && d >= lo && d <= hi ? d : null };
            case FloatParameter f:
                var min = Math.Max(f.Min, range.Min);
                var max = Math.Min(f.Max, range.Max);
                if (min > max)
                {
                    problems.Add($"Range limit [{range.Min}, {range.Max}] leaves '{p.Name}' empty.");
                    return p;
                }

                var grid = f.GridPoints?.Where(g => g >= min && g <= max).ToArray();
                return f with
                {
                    Min = min,
                    Max = max,
                    GridPoints = grid is { Length: > 0 } ? grid : null,
                    DefaultValue = f.DefaultValue is { } dv && dv >= min && dv <= max ? dv : null,
                };
            default:
                problems.Add($"Range limit on '{p.Name}', which is not numeric.");
                return p;
        }
    }
}
