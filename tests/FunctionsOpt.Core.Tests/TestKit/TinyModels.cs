using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Tests.TestKit;

/// <summary>Small real ONNX graphs built in code, so expected outputs can be computed by hand.</summary>
internal static class TinyModels
{
    /// <summary>
    /// y = x · W + b with W [inFeatures, outFeatures] row-major; optional Softmax output named "probs".
    /// <paramref name="fixedBatch"/> null gives a symbolic "batch" axis.
    /// </summary>
    public static ModelProto Linear(int inFeatures, int outFeatures, float[] weights, float[] bias, long? fixedBatch = null, bool softmax = false, long irVersion = 8, long opset = 17)
    {
        var graph = new GraphProto { Name = "linear" };
        graph.Input.Add(Value("x", TensorProto.Types.DataType.Float, fixedBatch, inFeatures));
        graph.Initializer.Add(Floats("W", [inFeatures, outFeatures], weights));
        graph.Initializer.Add(Floats("b", [outFeatures], bias));
        graph.Node.Add(Node("MatMul", ["x", "W"], "xw"));
        graph.Node.Add(Node("Add", ["xw", "b"], "y"));
        graph.Output.Add(Value("y", TensorProto.Types.DataType.Float, fixedBatch, outFeatures));
        if (softmax)
        {
            var node = Node("Softmax", ["y"], "probs");
            node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(node);
            graph.Output.Add(Value("probs", TensorProto.Types.DataType.Float, fixedBatch, outFeatures));
        }

        return Model(graph, irVersion, opset);
    }

    /// <summary>A graph whose only node is an operator ONNX Runtime does not know.</summary>
    public static ModelProto UnknownOperator()
    {
        var graph = new GraphProto { Name = "bad" };
        graph.Input.Add(Value("x", TensorProto.Types.DataType.Float, null, 2));
        graph.Node.Add(Node("NoSuchOperator", ["x"], "y"));
        graph.Output.Add(Value("y", TensorProto.Types.DataType.Float, null, 2));
        return Model(graph, 8, 17);
    }

    /// <summary>Identity over an input with a symbolic second axis ("seq").</summary>
    public static ModelProto SymbolicSequence()
    {
        var graph = new GraphProto { Name = "seq" };
        var input = Value("x", TensorProto.Types.DataType.Float, null, 1);
        input.Type.TensorType.Shape.Dim[1] = new TensorShapeProto.Types.Dimension { DimParam = "seq" };
        graph.Input.Add(input);
        graph.Node.Add(Node("Identity", ["x"], "y"));
        var output = Value("y", TensorProto.Types.DataType.Float, null, 1);
        output.Type.TensorType.Shape.Dim[1] = new TensorShapeProto.Types.Dimension { DimParam = "seq" };
        graph.Output.Add(output);
        return Model(graph, 8, 17);
    }

    /// <summary>Moves initializer <paramref name="name"/> to external data at <paramref name="location"/>.</summary>
    public static void Externalize(ModelProto model, string name, string location, long offset = 0, long? length = null)
    {
        var tensor = model.Graph.Initializer.Single(t => t.Name == name);
        var bytes = tensor.RawData.Length;
        tensor.RawData = ByteString.Empty;
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (length ?? bytes).ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public static string Save(ModelProto model, string folder, string fileName = "model.onnx")
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, fileName);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    public static byte[] FloatBytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static ModelProto Model(GraphProto graph, long irVersion, long opset)
    {
        var model = new ModelProto { IrVersion = irVersion, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return model;
    }

    private static NodeProto Node(string op, IReadOnlyList<string> inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(FloatBytes(values)) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, long? batch, long features)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(batch is null ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = batch.Value });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}

/// <summary>A temporary folder removed at dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fopt-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail a test.
        }
    }
}
