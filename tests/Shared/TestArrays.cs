using System.Globalization;
using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Tests.Shared;

/// <summary>
/// Writes NumPy files the way numpy does (NPY 1.0: magic, little-endian header dict padded to 64 bytes, raw C-order
/// data; an .npz is a zip of such files named after their keys), so tests need no Python.
/// </summary>
internal static class TestArrays
{
    public static byte[] Npy(Array data, params long[] shape)
    {
        var descr = data switch
        {
            float[] => "<f4",
            double[] => "<f8",
            long[] => "<i8",
            int[] => "<i4",
            _ => throw new ArgumentException("Unsupported element type.", nameof(data)),
        };
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + ")";
        var header = new StringBuilder($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}");
        while ((10 + header.Length + 1) % 64 != 0)
        {
            header.Append(' ');
        }

        header.Append('\n');
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header.ToString()));
        var bytes = new byte[Buffer.ByteLength(data)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        ms.Write(bytes);
        return ms.ToArray();
    }

    public static byte[] Npz(params (string Name, Array Data, long[] Shape)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data, shape) in entries)
            {
                using var stream = zip.CreateEntry(name + ".npy", CompressionLevel.Fastest).Open();
                stream.Write(Npy(data, shape));
            }
        }

        return ms.ToArray();
    }
}

/// <summary>Small real ONNX graphs in the shapes real exports have, built in code so outputs can be computed by hand.</summary>
internal static class TestModels
{
    /// <summary>
    /// A token tagger: <c>input_ids</c> and <c>attention_mask</c> int64 [batch, seq] → <c>logits</c> float
    /// [batch, seq, classes] = E[input_ids] · mask, E [vocab, classes] row-major.
    /// </summary>
    public static ModelProto Tagger(int vocab, int classes, float[] embedding)
    {
        var graph = new GraphProto { Name = "tagger" };
        graph.Input.Add(Value("input_ids", TensorProto.Types.DataType.Int64, "batch", "seq"));
        graph.Input.Add(Value("attention_mask", TensorProto.Types.DataType.Int64, "batch", "seq"));
        graph.Initializer.Add(Floats("E", [vocab, classes], embedding));
        graph.Initializer.Add(new TensorProto { Name = "axes", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { 2 } });
        graph.Node.Add(Node("Gather", ["E", "input_ids"], "emb"));
        var cast = Node("Cast", ["attention_mask"], "maskf");
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float });
        graph.Node.Add(cast);
        graph.Node.Add(Node("Unsqueeze", ["maskf", "axes"], "mask3"));
        graph.Node.Add(Node("Mul", ["emb", "mask3"], "logits"));
        graph.Output.Add(Value("logits", TensorProto.Types.DataType.Float, "batch", "seq", classes));
        return Model(graph);
    }

    /// <summary>An image classifier: <c>image</c> float [batch, 3, 4, 4] → Flatten → MatMul W [48, 3] + b → Softmax → <c>probs</c>.</summary>
    public static ModelProto ImageLinear(float[] weights, float[] bias)
    {
        var graph = new GraphProto { Name = "image" };
        graph.Input.Add(Value("image", TensorProto.Types.DataType.Float, "batch", 3, 4, 4));
        graph.Initializer.Add(Floats("W", [48, 3], weights));
        graph.Initializer.Add(Floats("b", [3], bias));
        graph.Node.Add(Node("Flatten", ["image"], "flat"));
        graph.Node.Add(Node("MatMul", ["flat", "W"], "xw"));
        graph.Node.Add(Node("Add", ["xw", "b"], "y"));
        var softmax = Node("Softmax", ["y"], "probs");
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(softmax);
        graph.Output.Add(Value("probs", TensorProto.Types.DataType.Float, "batch", 3));
        return Model(graph);
    }

    /// <summary>Identity over <c>x</c> float [batch, <paramref name="width"/>] (a fixed second dimension, however large).</summary>
    public static ModelProto WideIdentity(long width)
    {
        var graph = new GraphProto { Name = "wide" };
        graph.Input.Add(Value("x", TensorProto.Types.DataType.Float, "batch", width));
        graph.Node.Add(Node("Identity", ["x"], "y"));
        graph.Output.Add(Value("y", TensorProto.Types.DataType.Float, "batch", width));
        return Model(graph);
    }

    /// <summary>Moves initializer <paramref name="name"/> into the external file <paramref name="location"/> and returns that file's bytes.</summary>
    public static byte[] Externalize(ModelProto model, string name, string location)
    {
        var tensor = model.Graph.Initializer.Single(t => t.Name == name);
        var bytes = tensor.RawData.ToByteArray();
        tensor.RawData = ByteString.Empty;
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(CultureInfo.InvariantCulture) });
        return bytes;
    }

    private static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException("A dimension is a name or a size.", nameof(dims)),
            });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }
}
