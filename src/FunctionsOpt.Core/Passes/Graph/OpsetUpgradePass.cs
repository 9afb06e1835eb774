using System.Buffers.Binary;
using System.Globalization;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Search.Space;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Passes.Graph;

/// <summary>
/// Raises the ai.onnx opset import to a target (default 13, the first with per-channel QuantizeLinear axes) and
/// rewrites the operators whose definition changed on the way, so the graph computes what it did:
/// attributes that became inputs (Clip min/max at 11, Pad pads/value at 11, Reshape shape at 5, Slice at 10,
/// TopK k at 10, Dropout ratio at 12, Squeeze/Unsqueeze/ReduceSum axes and Split split at 13), removed attributes
/// (consumed_inputs at 6, is_test at 7, legacy broadcast at 7, BatchNormalization spatial at 9), and
/// Softmax/LogSoftmax/Hardmax at 13, whose axis stops meaning "flatten from here": when the axis is provably the last
/// one it is kept, otherwise the node becomes Shape → Flatten(axis) → op(axis=1) → Reshape, which is the old
/// definition written out. Operators not reviewed in <see cref="OpsetHistory"/> and changes that cannot be
/// rewritten exactly (Upsample, Resize from 10, Tile from 1, BatchNormalization with spatial=0, a used Dropout
/// mask before 10, string Cast targets) raise <see cref="PassNotApplicableException"/> naming the node, the
/// operator and the versions. The IR version is raised to what the target opset requires; when that crosses IR 4,
/// initializers listed as graph inputs stop being inputs so ONNX Runtime keeps treating them as constants.
/// Subgraphs (If, Loop, Scan) are refused.
/// </summary>
public sealed class OpsetUpgradePass : IModelPass
{
    /// <summary>The pass name.</summary>
    public const string PassName = "opset-upgrade";

    /// <summary>Parameter: the ai.onnx opset to reach.</summary>
    public const string TargetParameter = "target-opset";

    private static readonly HashSet<string> LegacyBroadcastOps = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less", "Gemm",
    };

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.GraphPreparation;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
        [new IntegerParameter(TargetParameter, OpsetHistory.MinTarget, OpsetHistory.MaxTarget, 1, 13)];

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Graph is null)
        {
            return PassApplicability.No("The model has no graph.");
        }

        var source = PassSupport.DefaultOpset(model);
        if (source == 0 || source >= OpsetHistory.MaxTarget)
        {
            return PassApplicability.No($"The model imports ai.onnx opset {source}; upgrades go up to {OpsetHistory.MaxTarget}.");
        }

        var problem = StaticProblem(model, source, OpsetHistory.MaxTarget);
        return problem is null
            ? PassApplicability.Yes($"ai.onnx opset {source} can be raised (up to {OpsetHistory.MaxTarget}).")
            : PassApplicability.No(problem);
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        PassSupport.EnsureGraph(this, model);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.EnsureKnown(this);
        var target = parameters.GetInteger(this, TargetParameter);
        if (target < OpsetHistory.MinTarget || target > OpsetHistory.MaxTarget)
        {
            throw new InvalidPassConfigurationException(
                Name, $"Target opset {target} is outside the reviewed range {OpsetHistory.MinTarget}..{OpsetHistory.MaxTarget} of pass '{Name}'.");
        }

        var source = PassSupport.DefaultOpset(model);
        if (source == 0)
        {
            throw new PassNotApplicableException(Name, "The model does not import the ai.onnx domain; there is no opset to raise.");
        }

        if (target < source)
        {
            throw new InvalidPassConfigurationException(Name, $"Target opset {target} is below the model's opset {source}; pass '{Name}' never downgrades.");
        }

        if (target == source)
        {
            throw new PassNotApplicableException(Name, $"The model already imports ai.onnx opset {source}.");
        }

        var problem = StaticProblem(model, source, target);
        if (problem is not null)
        {
            throw new PassNotApplicableException(Name, problem);
        }

        var output = model.Clone();
        var graph = output.Graph;
        var state = new State(this, graph, source, target);
        var nodes = new List<NodeProto>(graph.Node.Count);
        foreach (var node in graph.Node)
        {
            if (!PassSupport.IsDefaultDomain(node))
            {
                nodes.Add(node);
                continue;
            }

            var replacement = new List<NodeProto> { node };
            foreach (var version in OpsetHistory.ChangesBetween(node.OpType, source, target)!)
            {
                replacement = state.Upgrade(replacement, version);
            }

            nodes.AddRange(replacement);
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        PassSupport.SetDefaultOpset(output, target);
        var notes = new List<string> { $"ai.onnx opset {source} -> {target}." };
        var ir = Math.Max(output.IrVersion, OpsetHistory.MinIrVersion(target));
        if (ir != output.IrVersion)
        {
            notes.Add($"IR version {output.IrVersion} -> {ir}.");
            if (output.IrVersion < 4)
            {
                var initializers = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
                var dropped = graph.Input.Where(i => initializers.Contains(i.Name)).ToList();
                foreach (var input in dropped)
                {
                    graph.Input.Remove(input);
                }

                if (dropped.Count > 0)
                {
                    notes.Add($"{dropped.Count} initializer(s) no longer listed as graph inputs (IR >= 4 would make them overridable, not constant).");
                }
            }

            output.IrVersion = ir;
        }

        notes.AddRange(state.Notes);
        return new PassOutput(output, new PassRecord
        {
            Pass = Name,
            Parameters = PassSupport.ResolvedParameters(this, parameters),
            NodesTouched = state.Touched.Count,
            InitializerBytesBefore = PassSupport.InitializerBytes(model),
            InitializerBytesAfter = PassSupport.InitializerBytes(output),
            Notes = notes,
        });
    }

    /// <summary>Problems visible without rewriting: unknown operators, subgraphs, operators that always fail.</summary>
    private static string? StaticProblem(ModelProto model, long source, long target)
    {
        var withSubgraph = PassSupport.FirstNodeWithSubgraph(model.Graph);
        if (withSubgraph is not null)
        {
            return $"Node '{withSubgraph.Name}' ({withSubgraph.OpType}) holds a subgraph; opset upgrade does not rewrite subgraphs.";
        }

        var unknown = model.Graph.Node.Where(PassSupport.IsDefaultDomain)
            .Select(n => n.OpType)
            .Where(op => !OpsetHistory.Versions.ContainsKey(op))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unknown.Count > 0)
        {
            return $"Operator(s) {string.Join(", ", unknown)} have no reviewed upgrade from opset {source} to {target}; the model is left at opset {source}.";
        }

        foreach (var node in model.Graph.Node.Where(PassSupport.IsDefaultDomain))
        {
            var changes = OpsetHistory.ChangesBetween(node.OpType, source, target)!;
            var failing = node.OpType switch
            {
                "Upsample" when changes.Count > 0 => "Upsample is deprecated at opset 10 and Resize does not reproduce its coordinates; re-export the model at the target opset",
                "Resize" when changes.Contains(11) => "Resize changed its coordinate mapping at opset 11; re-export the model at the target opset",
                "Tile" when changes.Contains(6) => "Tile-1 took tiles and axis inputs that Tile-6 replaced by repeats",
                _ => null,
            };
            if (failing is not null)
            {
                return $"Node '{node.Name}' ({node.OpType}) cannot be upgraded from opset {source} to {target}: {failing}.";
            }
        }

        return null;
    }

    private sealed class State(OpsetUpgradePass pass, GraphProto graph, long source, long target)
    {
        private readonly GraphIndex _index = new(graph);

        public HashSet<NodeProto> Touched { get; } = [];

        public List<string> Notes { get; } = [];

        public List<NodeProto> Upgrade(List<NodeProto> nodes, int version)
        {
            // Only the last node of a replacement carries the original operator; earlier ones are helpers.
            var node = nodes[^1];
            var result = nodes.Take(nodes.Count - 1).ToList();
            if (version == 6 && PassSupport.RemoveAttribute(node, "consumed_inputs"))
            {
                Touched.Add(node);
            }

            if (version == 7 && node.OpType is "BatchNormalization" or "Dropout" && PassSupport.RemoveAttribute(node, "is_test"))
            {
                Touched.Add(node);
            }

            if (version == 7 && LegacyBroadcastOps.Contains(node.OpType))
            {
                LegacyBroadcast(node);
            }

            switch (node.OpType, version)
            {
                case ("BatchNormalization", 9):
                    if (GraphIndex.IntAttribute(node, "spatial", 1) != 1)
                    {
                        throw Fail(node, version, "spatial=0 (per-element statistics) has no equivalent after opset 9");
                    }

                    Change(node, PassSupport.RemoveAttribute(node, "spatial"));
                    break;
                case ("BatchNormalization", 14):
                    if (node.Output.Skip(1).Any(o => o.Length > 0 && (_index.Consumers(o).Count > 0 || _index.IsGraphOutput(o))))
                    {
                        throw Fail(node, version, "its running mean/variance outputs are used, which opset 14 allows only in training mode");
                    }

                    while (node.Output.Count > 1)
                    {
                        node.Output.RemoveAt(node.Output.Count - 1);
                        Touched.Add(node);
                    }

                    break;
                case ("Cast", 6):
                    if (PassSupport.Attribute(node, "to") is { Type: AttributeProto.Types.AttributeType.String })
                    {
                        throw Fail(node, version, "its 'to' attribute is a type name string (Cast-1); re-export the model");
                    }

                    break;
                case ("Concat", 4):
                    if (PassSupport.Attribute(node, "axis") is null)
                    {
                        PassSupport.SetInt(node, "axis", 1);
                        Touched.Add(node);
                    }

                    break;
                case ("Clip", 11):
                    ClipToInputs(node);
                    break;
                case ("Dropout", 10):
                    if (node.Output.Count > 1 && node.Output[1].Length > 0 && (_index.Consumers(node.Output[1]).Count > 0 || _index.IsGraphOutput(node.Output[1])))
                    {
                        throw Fail(node, version, "its mask output is used and changes type from float to bool at opset 10");
                    }

                    break;
                case ("Dropout", 12):
                    if (PassSupport.Attribute(node, "ratio") is { } ratio)
                    {
                        node.Input.Add(AddInitializer(node, "ratio", TensorData.CreateFloat(string.Empty, [], [ratio.F])));
                        PassSupport.RemoveAttribute(node, "ratio");
                        Touched.Add(node);
                    }

                    break;
                case ("Pad", 2):
                    if (PassSupport.Attribute(node, "paddings") is { } paddings)
                    {
                        paddings.Name = "pads";
                        Touched.Add(node);
                    }

                    break;
                case ("Pad", 11):
                    PadToInputs(node);
                    break;
                case ("Reshape", 5):
                    IntsToInput(node, "shape", required: true);
                    break;
                case ("Slice", 10):
                    SliceToInputs(node);
                    break;
                case ("TopK", 10):
                    var k = PassSupport.Attribute(node, "k") ?? throw Fail(node, version, "it has no k attribute");
                    node.Input.Add(AddInitializer(node, "k", TensorData.CreateInt64(string.Empty, [1], [k.I])));
                    PassSupport.RemoveAttribute(node, "k");
                    Touched.Add(node);
                    break;
                case ("Split", 2):
                    if (node.Input.Count > 1)
                    {
                        throw Fail(node, version, "Split-1 took the split sizes as a second input");
                    }

                    break;
                case ("Split", 13):
                    IntsToInput(node, "split", required: false);
                    break;
                case ("Squeeze" or "Unsqueeze" or "ReduceSum", 13):
                    IntsToInput(node, "axes", required: node.OpType == "Unsqueeze");
                    break;
                case ("Softmax" or "LogSoftmax" or "Hardmax", 13):
                    return [.. result, .. SoftmaxAxis(node)];
            }

            result.Add(node);
            return result;
        }

        private void Change(NodeProto node, bool changed)
        {
            if (changed)
            {
                Touched.Add(node);
            }
        }

        private void LegacyBroadcast(NodeProto node)
        {
            var broadcast = GraphIndex.IntAttribute(node, "broadcast", 0);
            if (broadcast != 0 && PassSupport.Attribute(node, "axis") is not null && node.OpType != "Gemm")
            {
                throw Fail(node, 7, "legacy broadcast with an explicit axis has no numpy-style equivalent without reshaping");
            }

            // broadcast=0 required equal shapes and broadcast=1 without axis aligned trailing dimensions: both are
            // special cases of numpy broadcasting (Gemm's C broadcasts unidirectionally since opset 7).
            var changed = PassSupport.RemoveAttribute(node, "broadcast");
            if (node.OpType != "Gemm")
            {
                changed |= PassSupport.RemoveAttribute(node, "axis");
            }

            Change(node, changed);
        }

        private void ClipToInputs(NodeProto node)
        {
            var min = PassSupport.Attribute(node, "min");
            var max = PassSupport.Attribute(node, "max");
            var kind = ElementType(node, node.Input[0]);
            while (node.Input.Count < 3)
            {
                node.Input.Add(string.Empty);
            }

            if (min is not null)
            {
                node.Input[1] = AddInitializer(node, "min", Scalar(kind, min.F));
            }

            if (max is not null)
            {
                node.Input[2] = AddInitializer(node, "max", Scalar(kind, max.F));
            }

            while (node.Input.Count > 1 && node.Input[^1].Length == 0)
            {
                node.Input.RemoveAt(node.Input.Count - 1);
            }

            PassSupport.RemoveAttribute(node, "min");
            PassSupport.RemoveAttribute(node, "max");
            Touched.Add(node);
        }

        private void PadToInputs(NodeProto node)
        {
            var pads = PassSupport.Attribute(node, "pads") ?? throw Fail(node, 11, "it has no pads attribute");
            node.Input.Add(AddInitializer(node, "pads", TensorData.CreateInt64(string.Empty, [pads.Ints.Count], pads.Ints.ToArray())));
            PassSupport.RemoveAttribute(node, "pads");
            if (PassSupport.Attribute(node, "value") is { } value)
            {
                if (value.F != 0f)
                {
                    node.Input.Add(AddInitializer(node, "value", Scalar(ElementType(node, node.Input[0]), value.F)));
                }

                PassSupport.RemoveAttribute(node, "value");
            }

            Touched.Add(node);
        }

        private void SliceToInputs(NodeProto node)
        {
            var starts = PassSupport.Attribute(node, "starts") ?? throw Fail(node, 10, "it has no starts attribute");
            var ends = PassSupport.Attribute(node, "ends") ?? throw Fail(node, 10, "it has no ends attribute");
            node.Input.Add(AddInitializer(node, "starts", TensorData.CreateInt64(string.Empty, [starts.Ints.Count], starts.Ints.ToArray())));
            node.Input.Add(AddInitializer(node, "ends", TensorData.CreateInt64(string.Empty, [ends.Ints.Count], ends.Ints.ToArray())));
            if (PassSupport.Attribute(node, "axes") is { } axes)
            {
                node.Input.Add(AddInitializer(node, "axes", TensorData.CreateInt64(string.Empty, [axes.Ints.Count], axes.Ints.ToArray())));
            }

            PassSupport.RemoveAttribute(node, "starts");
            PassSupport.RemoveAttribute(node, "ends");
            PassSupport.RemoveAttribute(node, "axes");
            Touched.Add(node);
        }

        private void IntsToInput(NodeProto node, string attribute, bool required)
        {
            var values = PassSupport.Attribute(node, attribute);
            if (values is null)
            {
                if (required)
                {
                    throw Fail(node, 0, $"it has no '{attribute}' attribute");
                }

                return;
            }

            node.Input.Add(AddInitializer(node, attribute, TensorData.CreateInt64(string.Empty, [values.Ints.Count], values.Ints.ToArray())));
            PassSupport.RemoveAttribute(node, attribute);
            Touched.Add(node);
        }

        private List<NodeProto> SoftmaxAxis(NodeProto node)
        {
            var axis = GraphIndex.IntAttribute(node, "axis", 1);
            var rank = Rank(node.Input[0]);
            if (rank is not null)
            {
                var normalized = axis < 0 ? axis + rank.Value : axis;
                if (normalized == rank.Value - 1)
                {
                    PassSupport.SetInt(node, "axis", normalized);
                    Touched.Add(node);
                    return [node];
                }
            }

            // The old definition: flatten to 2-D at axis, normalize each row, restore the shape.
            var stem = string.IsNullOrEmpty(node.Name) ? node.Output[0] : node.Name;
            var shape = _index.UniqueName(stem + "_shape");
            var flat = _index.UniqueName(stem + "_flat2d");
            var normalizedFlat = _index.UniqueName(stem + "_" + node.OpType.ToLowerInvariant() + "2d");
            var shapeNode = PassSupport.Node("Shape", _index.UniqueName(stem + "_Shape"), [node.Input[0]], [shape]);
            var flatten = PassSupport.Node("Flatten", _index.UniqueName(stem + "_Flatten"), [node.Input[0]], [flat]);
            PassSupport.SetInt(flatten, "axis", axis);
            var output = node.Output[0];
            node.Input[0] = flat;
            node.Output[0] = normalizedFlat;
            PassSupport.SetInt(node, "axis", 1);
            var reshape = PassSupport.Node("Reshape", _index.UniqueName(stem + "_Reshape"), [normalizedFlat, shape], [output]);
            Touched.Add(node);
            Notes.Add($"{node.OpType} '{stem}': axis {axis} is not provably the last axis; written as Flatten/{node.OpType}/Reshape (the opset < 13 definition).");
            return [shapeNode, flatten, node, reshape];
        }

        private int? Rank(string value)
        {
            var declared = PassSupport.DeclaredRank(graph, value);
            if (declared is not null)
            {
                return declared;
            }

            return _index.Producer(value) is { OpType: "Gemm" or "Flatten" } ? 2 : null;
        }

        private TensorElementKind ElementType(NodeProto node, string value)
        {
            var kind = PassSupport.DeclaredType(graph, value);
            if (kind is TensorElementKind.Float or TensorElementKind.Float16 or TensorElementKind.Double)
            {
                return kind;
            }

            Notes.Add($"{node.OpType} '{node.Name}': input type not declared; its new scalar inputs are float32.");
            return TensorElementKind.Float;
        }

        private string AddInitializer(NodeProto node, string role, TensorProto tensor)
        {
            var stem = string.IsNullOrEmpty(node.Name) ? node.Output[0] : node.Name;
            tensor.Name = _index.UniqueName(stem + "_" + role);
            graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        private static TensorProto Scalar(TensorElementKind kind, float value)
        {
            switch (kind)
            {
                case TensorElementKind.Float16:
                    return TensorData.CreateFloat16(string.Empty, [], [value]);
                case TensorElementKind.Double:
                    var bytes = new byte[8];
                    BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
                    return new TensorProto { DataType = (int)TensorElementKind.Double, RawData = ByteString.CopyFrom(bytes) };
                default:
                    return TensorData.CreateFloat(string.Empty, [], [value]);
            }
        }

        private PassNotApplicableException Fail(NodeProto node, int version, string why) =>
            new(pass.Name, string.Create(
                CultureInfo.InvariantCulture,
                $"Node '{node.Name}' ({node.OpType}) cannot be upgraded from opset {source} to {target}{(version > 0 ? $" (definition changed at {version})" : string.Empty)}: {why}."));
    }
}
