using System.Text.Json.Nodes;

namespace FunctionsOpt.Infra.Tests.TestKit;

/// <summary>Reading an ARM template compiled by bicep (resources as an array, or as an object in language version 2).</summary>
internal static class CompiledTemplate
{
    /// <summary>The template's resources, at this level only.</summary>
    public static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject map => map.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    /// <summary>
    /// Every resource in the template and its nested module deployments, with the chain of deployment names leading to
    /// it (empty for the template itself).
    /// </summary>
    public static IEnumerable<(string DeploymentPath, JsonObject Resource)> AllResources(JsonObject template, string path = "")
    {
        foreach (var resource in Resources(template))
        {
            yield return (path, resource);
            if ((string?)resource["type"] == "Microsoft.Resources/deployments"
                && resource["properties"]?["template"] is JsonObject nested)
            {
                var name = ((string?)resource["name"] ?? "?").Trim('\'');
                foreach (var inner in AllResources(nested, path.Length == 0 ? name : $"{path}/{name}"))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>The names of the template's parameters or outputs.</summary>
    public static IReadOnlyList<string> Names(JsonObject template, string section) =>
        template[section] is JsonObject map ? [.. map.Select(p => p.Key)] : [];
}
