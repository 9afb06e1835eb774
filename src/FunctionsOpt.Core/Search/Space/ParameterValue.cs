using System.Globalization;

namespace FunctionsOpt.Core.Search.Space;

/// <summary>The kind of a <see cref="ParameterValue"/>.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Kind names describe the value kinds.")]
public enum ParameterValueKind
{
    /// <summary>A string (categorical choice).</summary>
    Text,
    /// <summary>A 64-bit integer.</summary>
    Integer,
    /// <summary>A double.</summary>
    Real,
    /// <summary>A boolean.</summary>
    Boolean,
}

/// <summary>
/// One parameter value of a configuration. Its <see cref="Canonical"/> form is stable across machines and runs
/// (round-trip invariant formatting), because configuration hashes and cache keys are built from it.
/// </summary>
public readonly record struct ParameterValue
{
    private ParameterValue(ParameterValueKind kind, string? text, long integer, double real)
    {
        Kind = kind;
        Text = text;
        Integer = integer;
        Real = real;
    }

    /// <summary>Which field holds the value.</summary>
    public ParameterValueKind Kind { get; }

    /// <summary>The text value (Kind = Text).</summary>
    public string? Text { get; }

    /// <summary>The integer value (Kind = Integer; 0/1 for Boolean).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Mirrors the kind name.")]
    public long Integer { get; }

    /// <summary>The real value (Kind = Real).</summary>
    public double Real { get; }

    /// <summary>A text value.</summary>
    public static ParameterValue Of(string value) => new(ParameterValueKind.Text, value ?? throw new ArgumentNullException(nameof(value)), 0, 0);

    /// <summary>An integer value.</summary>
    public static ParameterValue Of(long value) => new(ParameterValueKind.Integer, null, value, 0);

    /// <summary>A real value; NaN and infinities are refused because they have no stable canonical form.</summary>
    public static ParameterValue Of(double value) => double.IsFinite(value)
        ? new(ParameterValueKind.Real, null, 0, value)
        : throw new ArgumentOutOfRangeException(nameof(value), "Parameter values must be finite.");

    /// <summary>A boolean value.</summary>
    public static ParameterValue Of(bool value) => new(ParameterValueKind.Boolean, null, value ? 1 : 0, 0);

    /// <summary>The value as a boolean (Kind = Boolean).</summary>
    public bool AsBoolean => Kind == ParameterValueKind.Boolean ? Integer != 0 : throw new InvalidOperationException($"Value {Canonical} is not a boolean.");

    /// <summary>The value as a double (Integer or Real).</summary>
    public double AsDouble => Kind switch
    {
        ParameterValueKind.Real => Real,
        ParameterValueKind.Integer => Integer,
        _ => throw new InvalidOperationException($"Value {Canonical} is not numeric."),
    };

    /// <summary>Stable text: <c>"s:..."</c>, <c>"i:..."</c>, <c>"f:..."</c> (round-trip "R"), <c>"b:true"</c>.</summary>
    public string Canonical => Kind switch
    {
        ParameterValueKind.Text => "s:" + Text,
        ParameterValueKind.Integer => "i:" + Integer.ToString(CultureInfo.InvariantCulture),
        ParameterValueKind.Real => "f:" + Real.ToString("R", CultureInfo.InvariantCulture),
        ParameterValueKind.Boolean => Integer != 0 ? "b:true" : "b:false",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>
    /// Parses a <see cref="Canonical"/> form back into the value it came from; <c>Parse(v.Canonical) == v</c> for
    /// every value (reals round-trip exactly).
    /// </summary>
    /// <exception cref="FormatException">The text is not a canonical form.</exception>
    public static ParameterValue Parse(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        if (canonical.Length < 2 || canonical[1] != ':')
        {
            throw new FormatException($"'{canonical}' is not a canonical parameter value (expected s:, i:, f: or b:).");
        }

        var body = canonical[2..];
        return canonical[0] switch
        {
            's' => Of(body),
            'i' => Of(long.Parse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
            'f' => Of(double.Parse(body, NumberStyles.Float, CultureInfo.InvariantCulture)),
            'b' when body == "true" => Of(true),
            'b' when body == "false" => Of(false),
            _ => throw new FormatException($"'{canonical}' is not a canonical parameter value (expected s:, i:, f: or b:)."),
        };
    }

    /// <summary>The plain value as text, for display.</summary>
    public override string ToString() => Kind switch
    {
        ParameterValueKind.Text => Text!,
        ParameterValueKind.Integer => Integer.ToString(CultureInfo.InvariantCulture),
        ParameterValueKind.Real => Real.ToString("R", CultureInfo.InvariantCulture),
        _ => Integer != 0 ? "true" : "false",
    };
}
