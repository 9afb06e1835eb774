using System.Globalization;
using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Passes.Pruning;

/// <summary>Small in-place edits and measurements shared by the pruning and compensation passes.</summary>
internal static class GraphEdits
{
    /// <summary>Replaces the float initializer <paramref name="name"/> with new values and dims (same position in the list).</summary>
    public static TensorProto ReplaceFloats(GraphProto graph, string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(graph);
        for (var i = 0; i < graph.Initializer.Count; i++)
        {
            if (graph.Initializer[i].Name == name)
            {
                var tensor = TensorData.CreateFloat(name, dims, values);
                graph.Initializer[i] = tensor;
                return tensor;
            }
        }

        throw new InvalidOperationException($"Initializer '{name}' is not in the graph.");
    }

    /// <summary>The initializer named <paramref name="name"/>, or null.</summary>
    public static TensorProto? Find(GraphProto graph, string name)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return graph.Initializer.LastOrDefault(t => t.Name == name);
    }

    /// <summary>Invariant text of a fraction with four decimals.</summary>
    public static string Fraction(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>Invariant text of a number in general format.</summary>
    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
