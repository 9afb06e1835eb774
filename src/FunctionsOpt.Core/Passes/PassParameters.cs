using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Passes;

/// <summary>
/// The values a pass runs with, keyed by the pass's local parameter names. Missing values fall back to the
/// parameter's declared default; a wrong kind is an <see cref="InvalidPassConfigurationException"/>.
/// </summary>
public sealed class PassParameters
{
    private readonly SortedDictionary<string, ParameterValue> _values;

    /// <summary>Creates the parameters.</summary>
    public PassParameters(IReadOnlyDictionary<string, ParameterValue>? values = null)
    {
        _values = new SortedDictionary<string, ParameterValue>(StringComparer.Ordinal);
        if (values is not null)
        {
            foreach (var (k, v) in values)
            {
                _values[k] = v;
            }
        }
    }

    /// <summary>No values: every parameter takes its default.</summary>
    public static PassParameters Empty { get; } = new();

    /// <summary>The explicit values, in name order.</summary>
    public IReadOnlyDictionary<string, ParameterValue> Values => _values;

    /// <summary>Stable text of the explicit values, <c>name=canonical;...</c> in name order.</summary>
    public string Canonical => string.Join(";", _values.Select(kv => kv.Key + "=" + kv.Value.Canonical));

    /// <summary>The value of <paramref name="name"/>, or the default declared in <paramref name="pass"/>.</summary>
    public ParameterValue Get(IModelPass pass, string name)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (_values.TryGetValue(name, out var value))
        {
            return value;
        }

        var definition = pass.Parameters.FirstOrDefault(p => p.Name == name)
            ?? throw new InvalidPassConfigurationException(pass.Name, $"Pass '{pass.Name}' has no parameter '{name}'.");
        return definition.DefaultValueOf;
    }

    /// <summary>A text value.</summary>
    public string GetText(IModelPass pass, string name) => Expect(pass, name, ParameterValueKind.Text).Text!;

    /// <summary>An integer value.</summary>
    public long GetInteger(IModelPass pass, string name) => Expect(pass, name, ParameterValueKind.Integer).Integer;

    /// <summary>A real value (integers widen).</summary>
    public double GetReal(IModelPass pass, string name)
    {
        var value = Get(pass, name);
        return value.Kind is ParameterValueKind.Real or ParameterValueKind.Integer
            ? value.AsDouble
            : throw new InvalidPassConfigurationException(pass.Name, $"Parameter '{name}' of pass '{pass.Name}' must be a number, not '{value}'.");
    }

    /// <summary>A boolean value.</summary>
    public bool GetBoolean(IModelPass pass, string name) => Expect(pass, name, ParameterValueKind.Boolean).AsBoolean;

    /// <summary>Checks every explicit value names a declared parameter; unknown names are configuration errors.</summary>
    public void EnsureKnown(IModelPass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var unknown = _values.Keys.Where(k => pass.Parameters.All(p => p.Name != k)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidPassConfigurationException(
                pass.Name,
                $"Pass '{pass.Name}' has no parameter(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Known: {string.Join(", ", pass.Parameters.Select(p => p.Name))}.");
        }
    }

    private ParameterValue Expect(IModelPass pass, string name, ParameterValueKind kind)
    {
        var value = Get(pass, name);
        return value.Kind == kind
            ? value
            : throw new InvalidPassConfigurationException(pass.Name, $"Parameter '{name}' of pass '{pass.Name}' must be {kind.ToString().ToLowerInvariant()}, not '{value}'.");
    }
}
