using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>
/// The committed JSON Schema of <see cref="OptimizationSpec"/> (<c>Contracts/optimization-spec.schema.json</c>,
/// embedded in this assembly) and a checker for the subset of JSON Schema 2020-12 it uses. The checker refuses a
/// schema with any keyword it does not implement, so no rule in the file is silently ignored.
/// </summary>
public static class SpecSchema
{
    /// <summary>Manifest resource name of the embedded schema.</summary>
    public const string ResourceName = "FunctionsOpt.Orchestration.Contracts.optimization-spec.schema.json";

    private static readonly Lazy<string> LazyText = new(ReadResource);
    private static readonly Lazy<SchemaChecker> LazyChecker = new(() => SchemaChecker.Load(LazyText.Value));

    /// <summary>The schema document's text.</summary>
    public static string Text => LazyText.Value;

    internal static SchemaChecker Checker => LazyChecker.Value;

    private static string ReadResource()
    {
        using var stream = typeof(SpecSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ResourceName}' is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>Checks a JSON value against a schema in the supported subset, collecting every problem.</summary>
internal sealed class SchemaChecker
{
    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$defs", "$ref", "title", "description", "default", "type", "properties", "required",
        "additionalProperties", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "uniqueItems",
    };

    private readonly JsonElement _root;

    private SchemaChecker(JsonElement root)
    {
        _root = root;
    }

    public static SchemaChecker Load(string schemaJson)
    {
        using var document = JsonDocument.Parse(schemaJson);
        var root = document.RootElement.Clone();
        EnsureSupported(root, "#");
        return new SchemaChecker(root);
    }

    public void Check(JsonElement value, string path, List<SpecProblem> problems) => Check(_root, value, path, problems);

    private static void EnsureSupported(JsonElement schema, string where)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"Schema node {where} is not an object.");
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            if (!Supported.Contains(keyword.Name))
            {
                throw new InvalidOperationException($"Schema keyword '{keyword.Name}' at {where} is not supported by the spec checker; implement it or remove it.");
            }

            if (keyword.Name is "properties" or "$defs")
            {
                foreach (var child in keyword.Value.EnumerateObject())
                {
                    EnsureSupported(child.Value, $"{where}/{keyword.Name}/{child.Name}");
                }
            }
            else if (keyword.Name == "items")
            {
                EnsureSupported(keyword.Value, where + "/items");
            }
            else if (keyword.Name == "additionalProperties" && keyword.Value.ValueKind == JsonValueKind.Object)
            {
                EnsureSupported(keyword.Value, where + "/additionalProperties");
            }
            else if (keyword.Name == "additionalProperties" && keyword.Value.ValueKind != JsonValueKind.False)
            {
                throw new InvalidOperationException($"Only \"additionalProperties\": false or a schema is supported (at {where}).");
            }
        }
    }

    private JsonElement Resolve(JsonElement schema)
    {
        if (!schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }

        var text = reference.GetString() ?? string.Empty;
        const string prefix = "#/$defs/";
        return text.StartsWith(prefix, StringComparison.Ordinal) && _root.TryGetProperty("$defs", out var defs) && defs.TryGetProperty(text[prefix.Length..], out var target)
            ? target
            : throw new InvalidOperationException($"Schema reference '{text}' cannot be resolved.");
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<SpecProblem> problems)
    {
        schema = Resolve(schema);
        if (schema.TryGetProperty("const", out var constant))
        {
            if (!JsonElement.DeepEquals(value, constant))
            {
                problems.Add(new(path, $"{Show(value)} is not allowed", $"set it to {constant.GetRawText()}"));
            }

            return;
        }

        if (schema.TryGetProperty("enum", out var allowed))
        {
            if (!allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
            {
                problems.Add(new(path, $"{Show(value)} is not allowed", "use one of " + string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()))));
            }

            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type.GetString(), value))
        {
            problems.Add(new(path, $"expected {Article(type.GetString())}, got {Show(value)}", FixForType(type.GetString())));
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, problems);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, value, path, problems);
                break;
            case JsonValueKind.String:
                CheckString(schema, value.GetString()!, path, problems);
                break;
            case JsonValueKind.Number:
                CheckNumber(schema, value.GetDouble(), path, problems);
                break;
            default:
                break;
        }
    }

    private void CheckObject(JsonElement schema, JsonElement value, string path, List<SpecProblem> problems)
    {
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    var what = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var ps) ? Describe(ps) : null;
                    problems.Add(new(path + "." + name, "is required but missing", $"add \"{name}\"" + (what is null ? string.Empty : $" ({what})")));
                }
            }
        }

        var known = properties.ValueKind == JsonValueKind.Object ? properties.EnumerateObject().Select(x => x.Name).ToList() : [];
        var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        var closed = hasAdditional && additional.ValueKind == JsonValueKind.False;
        var additionalSchema = hasAdditional && additional.ValueKind == JsonValueKind.Object ? additional : default;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, path + "." + property.Name, problems);
            }
            else if (additionalSchema.ValueKind == JsonValueKind.Object)
            {
                Check(additionalSchema, property.Value, path + "." + property.Name, problems);
            }
            else if (closed)
            {
                var near = known.Where(k => Distance(k, property.Name) <= 2).OrderBy(k => Distance(k, property.Name)).FirstOrDefault();
                var fix = near is null ? "remove it" : $"did you mean \"{near}\"? Rename it";
                problems.Add(new(path + "." + property.Name, "is not a known property", $"{fix} (allowed here: {string.Join(", ", known)})"));
            }
        }
    }

    private void CheckArray(JsonElement schema, JsonElement value, string path, List<SpecProblem> problems)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var minItems) && count < minItems.GetInt32())
        {
            problems.Add(new(path, $"has {count} item(s), fewer than {minItems.GetInt32()}", count == 0 ? "add at least one item, or leave the property out to take its default" : $"list at least {minItems.GetInt32()} items"));
        }

        if (schema.TryGetProperty("maxItems", out var maxItems) && count > maxItems.GetInt32())
        {
            problems.Add(new(path, $"has {count} items, more than {maxItems.GetInt32()}", $"list at most {maxItems.GetInt32()} items"));
        }

        var items = value.EnumerateArray().ToList();
        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True)
        {
            for (var i = 1; i < items.Count; i++)
            {
                var first = items.FindIndex(0, i, x => JsonElement.DeepEquals(x, items[i]));
                if (first >= 0)
                {
                    problems.Add(new(Item(path, i), $"repeats item {first} ({Show(items[i])})", "list each value once"));
                }
            }
        }

        if (schema.TryGetProperty("items", out var itemSchema))
        {
            for (var i = 0; i < items.Count; i++)
            {
                Check(itemSchema, items[i], Item(path, i), problems);
            }
        }
    }

    private static void CheckString(JsonElement schema, string text, string path, List<SpecProblem> problems)
    {
        if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
        {
            problems.Add(new(path, text.Length == 0 ? "is empty" : $"is shorter than {minLength.GetInt32()} characters", "give a value, or leave the property out"));
        }

        if (schema.TryGetProperty("maxLength", out var maxLength) && text.Length > maxLength.GetInt32())
        {
            problems.Add(new(path, $"is longer than {maxLength.GetInt32()} characters", "shorten it"));
        }

        if (schema.TryGetProperty("pattern", out var pattern)
            && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            problems.Add(new(path, $"\"{text}\" does not match {pattern.GetString()}", Describe(schema) ?? "change the value to match the pattern"));
        }
    }

    private static void CheckNumber(JsonElement schema, double number, string path, List<SpecProblem> problems)
    {
        var shown = number.ToString("R", CultureInfo.InvariantCulture);
        if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
        {
            problems.Add(new(path, $"{shown} is below the minimum {minimum.GetRawText()}", $"use a value >= {minimum.GetRawText()}"));
        }

        if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
        {
            problems.Add(new(path, $"{shown} is above the maximum {maximum.GetRawText()}", $"use a value <= {maximum.GetRawText()}"));
        }

        if (schema.TryGetProperty("exclusiveMinimum", out var exclusiveMinimum) && number <= exclusiveMinimum.GetDouble())
        {
            problems.Add(new(path, $"{shown} must be greater than {exclusiveMinimum.GetRawText()}", $"use a value > {exclusiveMinimum.GetRawText()}"));
        }

        if (schema.TryGetProperty("exclusiveMaximum", out var exclusiveMaximum) && number >= exclusiveMaximum.GetDouble())
        {
            problems.Add(new(path, $"{shown} must be less than {exclusiveMaximum.GetRawText()}", $"use a value < {exclusiveMaximum.GetRawText()}"));
        }
    }

    private static bool TypeMatches(string? type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        // Stricter than JSON Schema (which accepts 3.0): the contract's integer properties refuse a decimal point.
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => throw new InvalidOperationException($"Schema type '{type}' is not supported."),
    };

    private static string Article(string? type) => type switch
    {
        "object" => "an object",
        "array" => "an array",
        "integer" => "an integer",
        _ => "a " + type,
    };

    private static string FixForType(string? type) => type switch
    {
        "object" => "write an object { ... }",
        "array" => "write an array [ ... ]",
        "string" => "write a quoted string",
        "boolean" => "write true or false",
        "integer" => "write a whole number without a decimal point",
        "number" => "write a number",
        _ => "write a value of type " + type,
    };

    private static string? Describe(JsonElement schema) =>
        schema.TryGetProperty("description", out var description) ? description.GetString() : null;

    private static string Show(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.Null => "null",
            _ => value.GetRawText(),
        };
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    private static string Item(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    private static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
