using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsOpt.Core.Serialization;

/// <summary>The one JSON shape FunctionsOpt writes: camelCase, enums as strings, indented, nulls omitted.</summary>
public static class JsonDefaults
{
    /// <summary>Options for every document FunctionsOpt writes or reads.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Metrics may legitimately be infinite (e.g. a log loss without clipping); keep the document valid.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
