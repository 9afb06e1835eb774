using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Graph;

/// <summary>
/// Turns <c>Constant</c> nodes of the main graph into initializers named after their output, so later passes (BN
/// folding, quantization) see every weight as an initializer. The values are copied bit for bit: the graph computes
/// exactly what it did. Skipped, with the reason in the record: sparse constants and constants that are graph
/// outputs.
/// </summary>
public sealed class ConstantsToInitializersPass : IModelPass
{
    /// <summary>The pass name.</summary>
    public const string PassName = "constants-to-initializers";

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.GraphPreparation;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } = [];

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var count = model.Graph?.Node.Count(IsConstant) ?? 0;
        return count > 0
            ? PassApplicability.Yes($"{count} Constant node(s) in the main graph.")
            : PassApplicability.No("The main graph has no Constant nodes.");
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        var output = PassSupport.Open(this, model, parameters);
        var applicability = CheckApplicability(model);
        if (!applicability.Applies)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' cannot apply: {applicability.Reason}");
        }

        var graph = output.Graph;
        var graphOutputs = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var skipped = new List<string>();
        var touched = 0;
        foreach (var node in graph.Node.Where(IsConstant).ToList())
        {
            var name = node.Output[0];
            if (graphOutputs.Contains(name))
            {
                skipped.Add($"{Display(node)}: its value is a graph output; kept as a node.");
                continue;
            }

            var tensor = ToTensor(node, name, out var why);
            if (tensor is null)
            {
                skipped.Add($"{Display(node)}: {why}");
                continue;
            }

            graph.Node.Remove(node);
            graph.Initializer.Add(tensor);

            touched++;
        }

        if (touched == 0)
        {
            throw new PassNotApplicableException(Name, $"Pass '{Name}' converted nothing: {string.Join(" ", skipped)}");
        }

        return PassSupport.Close(this, parameters, model, output, touched, skipped, [$"{touched} Constant node(s) became initializers."]);
    }

    private static bool IsConstant(NodeProto node) => node.OpType == "Constant" && PassSupport.IsDefaultDomain(node) && node.Output.Count == 1;

    private static string Display(NodeProto node) => string.IsNullOrEmpty(node.Name) ? node.Output[0] : node.Name;

    private static TensorProto? ToTensor(NodeProto node, string name, out string why)
    {
        why = string.Empty;
        var attribute = node.Attribute.FirstOrDefault();
        if (node.Attribute.Count != 1 || attribute is null)
        {
            why = "a Constant needs exactly one value attribute.";
            return null;
        }

        TensorProto tensor;
        switch (attribute.Name)
        {
            case "value":
                tensor = attribute.T.Clone();
                if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
                {
                    why = "its tensor is stored as external data.";
                    return null;
                }

                break;
            case "value_float":
                tensor = TensorData.CreateFloat(name, [], [attribute.F]);
                break;
            case "value_floats":
                tensor = TensorData.CreateFloat(name, [attribute.Floats.Count], attribute.Floats.ToArray());
                break;
            case "value_int":
                tensor = TensorData.CreateInt64(name, [], [attribute.I]);
                break;
            case "value_ints":
                tensor = TensorData.CreateInt64(name, [attribute.Ints.Count], attribute.Ints.ToArray());
                break;
            case "value_string":
                tensor = new TensorProto { DataType = (int)TensorElementKind.String };
                tensor.StringData.Add(attribute.S);
                break;
            case "value_strings":
                tensor = new TensorProto { DataType = (int)TensorElementKind.String };
                tensor.Dims.Add(attribute.Strings.Count);
                tensor.StringData.AddRange(attribute.Strings);
                break;
            default:
                why = $"attribute '{attribute.Name}' (sparse or unknown) is not converted.";
                return null;
        }

        tensor.Name = name;
        return tensor;
    }
}
