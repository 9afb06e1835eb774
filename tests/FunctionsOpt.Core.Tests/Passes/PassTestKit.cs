using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes;

/// <summary>Graph builders and ORT runners for pass tests: every comparison runs both graphs in ONNX Runtime.</summary>
internal static class PassTestKit
{
    public static PassContext Context(string? workDirectory = null) => new(new InferenceSessionFactory(), workDirectory: workDirectory);

    public static ModelProto Load(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>Proves ORT creates a session for the model (basic optimization, CPU).</summary>
    public static void AssertLoads(ModelProto model)
    {
        using var handle = new InferenceSessionFactory().Create(model.ToByteArray(), "test", new SessionSettings { OptimizationLevel = GraphOptimization.Basic, IntraOpThreads = 1 });
        Assert.NotNull(handle.Session);
    }

    /// <summary>Runs the model on one float input with ORT optimizations off and returns the first (or named) output.</summary>
    public static float[] Run(ModelProto model, string input, float[] data, long[] shape, string? output = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var tensor = new DenseTensor<float>(data, shape.Select(s => (int)s).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        var value = output is null ? results[0] : results.First(r => r.Name == output);
        return value.AsEnumerable<float>().ToArray();
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }

    public static float[] Random(int seed, int count, double scale = 1.0, double offset = 0.0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(offset + scale * (random.NextDouble() * 2 - 1))).ToArray();
    }

    public static ModelProto Model(GraphProto graph, long opset, long ir = 8)
    {
        var model = new ModelProto { IrVersion = ir, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return model;
    }

    public static ValueInfoProto Value(string name, params long[] shape) => Value(name, TensorProto.Types.DataType.Float, shape);

    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
        {
            tensorShape.Dim.Add(dim < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } } };
    }

    public static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        tensor.RawData = ByteString.CopyFrom(bytes);
        return tensor;
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>
    /// x [2,3,5,5] → Conv(4 filters 3x3, pads 1, bias) → BatchNormalization → Relu → y, with seeded random weights and
    /// BN statistics far from identity so a wrong fold shows.
    /// </summary>
    public static ModelProto ConvBatchNorm(bool convBias = true, long opset = 13)
    {
        var graph = new GraphProto { Name = "conv_bn" };
        graph.Input.Add(Value("x", 2, 3, 5, 5));
        graph.Initializer.Add(Floats("W", [4, 3, 3, 3], Random(1, 108, 0.5)));
        var convInputs = new List<string> { "x", "W" };
        if (convBias)
        {
            graph.Initializer.Add(Floats("B", [4], Random(2, 4, 0.3)));
            convInputs.Add("B");
        }

        graph.Initializer.Add(Floats("gamma", [4], Random(3, 4, 0.5, 1.0)));
        graph.Initializer.Add(Floats("beta", [4], Random(4, 4, 0.5)));
        graph.Initializer.Add(Floats("mean", [4], Random(5, 4, 0.4)));
        graph.Initializer.Add(Floats("var", [4], Random(6, 4, 0.3, 0.6)));
        graph.Node.Add(Node("Conv", [.. convInputs], ["c"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)));
        graph.Node.Add(Node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], Float("epsilon", 1e-3f)));
        graph.Node.Add(Node("Relu", ["bn"], ["y"]));
        graph.Output.Add(Value("y", 2, 4, 5, 5));
        return Model(graph, opset);
    }
}
