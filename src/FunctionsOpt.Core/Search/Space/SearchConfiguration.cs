using System.Security.Cryptography;
using System.Text;

namespace FunctionsOpt.Core.Search.Space;

/// <summary>
/// One point of a search space: the values of the parameters that are active there (and only those). Immutable.
/// Two configurations are equal exactly when their <see cref="Canonical"/> forms are equal.
/// </summary>
public sealed class SearchConfiguration : IEquatable<SearchConfiguration>
{
    private readonly SortedDictionary<string, ParameterValue> _values;

    /// <summary>Creates a configuration from parameter values (copied).</summary>
    public SearchConfiguration(IEnumerable<KeyValuePair<string, ParameterValue>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = new SortedDictionary<string, ParameterValue>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (!_values.TryAdd(name, value))
            {
                throw new ArgumentException($"Parameter '{name}' appears twice.", nameof(values));
            }
        }

        Canonical = string.Join(";", _values.Select(kv => kv.Key + "=" + kv.Value.Canonical));
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical)));
    }

    /// <summary>The values, in ordinal name order.</summary>
    public IReadOnlyDictionary<string, ParameterValue> Values => _values;

    /// <summary>
    /// Stable text: <c>name=canonical;...</c> in ordinal name order (see <see cref="ParameterValue.Canonical"/>).
    /// Identical on every machine and runtime, so it can key caches.
    /// </summary>
    public string Canonical { get; }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 <see cref="Canonical"/> form.</summary>
    public string Hash { get; }

    /// <summary>Rebuilds a configuration from name → canonical value text (as saved in a state document).</summary>
    public static SearchConfiguration FromCanonical(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new SearchConfiguration(values.Select(kv => KeyValuePair.Create(kv.Key, ParameterValue.Parse(kv.Value))));
    }

    /// <summary>Name → canonical value text, the inverse of <see cref="FromCanonical"/>.</summary>
    public IReadOnlyDictionary<string, string> ToCanonical() =>
        _values.ToDictionary(kv => kv.Key, kv => kv.Value.Canonical, StringComparer.Ordinal);

    /// <inheritdoc />
    public bool Equals(SearchConfiguration? other) => other is not null && string.Equals(Canonical, other.Canonical, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SearchConfiguration);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);

    /// <inheritdoc />
    public override string ToString() => Canonical;
}
