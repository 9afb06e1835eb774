using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>
/// The content hash of a spec and the deterministic run id derived from it. The hash is SHA-256 over the spec's
/// canonical JSON: the typed spec serialized with <see cref="JsonDefaults"/> (so defaults are filled in and nulls
/// dropped, and equal numbers print alike), object keys sorted ordinally, no whitespace, UTF-8. Property order,
/// whitespace, comments and explicitly written defaults therefore do not change it; any changed value does. Array
/// order is significant. The same spec submitted twice (the same blob uploaded again, a redelivered message) gets
/// the same run id.
/// </summary>
public static class SpecHash
{
    /// <summary>Prefix of every run id derived from a spec.</summary>
    public const string RunIdPrefix = "run-";

    /// <summary>Hex digits of the hash kept in a run id (64 bits).</summary>
    public const int RunIdHexDigits = 16;

    /// <summary>The canonical JSON text the hash is computed over.</summary>
    public static string CanonicalJson(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return System.Text.Encoding.UTF8.GetString(CanonicalBytes(spec));
    }

    /// <summary>The full SHA-256 of the canonical JSON, 64 lower-case hex digits.</summary>
    public static string Compute(OptimizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes(spec)));
    }

    /// <summary>The run id of <paramref name="spec"/>: <c>run-</c> and the first 16 hex digits of its hash.</summary>
    public static string RunIdOf(OptimizationSpec spec) => RunIdPrefix + Compute(spec)[..RunIdHexDigits];

    private static byte[] CanonicalBytes(OptimizationSpec spec)
    {
        using var document = JsonSerializer.SerializeToDocument(spec, JsonDefaults.Options);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            Write(writer, document.RootElement);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                // Written by the serializer from typed values, so equal numbers already have one spelling.
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                writer.WriteBooleanValue(element.GetBoolean());
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
