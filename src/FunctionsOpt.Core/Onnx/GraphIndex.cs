using Onnx;

namespace FunctionsOpt.Core.Onnx;

/// <summary>
/// Lookup tables over one graph: initializers by name, the producer and the consumers of every value. Built once
/// per rewrite step; rebuild it after changing the graph.
/// </summary>
public sealed class GraphIndex
{
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, NodeProto> _producers;
    private readonly Dictionary<string, List<NodeProto>> _consumers;
    private readonly HashSet<string> _graphOutputs;
    private readonly HashSet<string> _reserved = new(StringComparer.Ordinal);

    /// <summary>Indexes <paramref name="graph"/>.</summary>
    public GraphIndex(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        _initializers = graph.Initializer.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        _consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
            {
                _producers[output] = node;
            }

            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    list = [];
                    _consumers[input] = list;
                }

                list.Add(node);
            }
        }

        _graphOutputs = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
    }

    /// <summary>The graph indexed.</summary>
    public GraphProto Graph { get; }

    /// <summary>The initializer named <paramref name="name"/>, or null.</summary>
    public TensorProto? Initializer(string name) => _initializers.GetValueOrDefault(name);

    /// <summary>True when <paramref name="name"/> is an initializer (a constant weight).</summary>
    public bool IsInitializer(string name) => _initializers.ContainsKey(name);

    /// <summary>The node producing <paramref name="value"/>, or null for graph inputs and initializers.</summary>
    public NodeProto? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>Nodes reading <paramref name="value"/>.</summary>
    public IReadOnlyList<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>True when <paramref name="value"/> is a graph output.</summary>
    public bool IsGraphOutput(string value) => _graphOutputs.Contains(value);

    /// <summary>An integer attribute, or <paramref name="fallback"/>.</summary>
    public static long IntAttribute(NodeProto node, string name, long fallback)
    {
        ArgumentNullException.ThrowIfNull(node);
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        return attribute is null ? fallback : attribute.I;
    }

    /// <summary>A float attribute, or <paramref name="fallback"/>.</summary>
    public static float FloatAttribute(NodeProto node, string name, float fallback)
    {
        ArgumentNullException.ThrowIfNull(node);
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        return attribute is null ? fallback : attribute.F;
    }

    /// <summary>
    /// A name not used by any value, node or initializer of the indexed graph nor returned before by this index, from
    /// <paramref name="stem"/>; so a rewrite can ask for many fresh names before rebuilding the index.
    /// </summary>
    public string UniqueName(string stem)
    {
        ArgumentException.ThrowIfNullOrEmpty(stem);
        var candidate = stem;
        for (var i = 1; IsUsed(candidate); i++)
        {
            candidate = $"{stem}_{i}";
        }

        _reserved.Add(candidate);
        return candidate;
    }

    private bool IsUsed(string name) =>
        _reserved.Contains(name) || _initializers.ContainsKey(name) || _producers.ContainsKey(name) || _consumers.ContainsKey(name)
        || Graph.Input.Any(i => i.Name == name) || Graph.Node.Any(n => n.Name == name);
}
