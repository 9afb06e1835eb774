using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes.Quantization;

/// <summary>Models, data and ORT probes shared by the quantization tests.</summary>
internal static class QuantizationTestKit
{
    public static EvaluationDataset LoadPenguins(string path) => DatasetLoader.Load(path, new DatasetLoadOptions
    {
        Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" },
    });

    public static string PenguinsTrain => Path.Combine(TestPaths.Samples, "penguins", "train.csv");

    /// <summary>
    /// Op types of the graph ONNX Runtime optimizes <paramref name="model"/> into at <paramref name="level"/>, read back
    /// from the model it saves with SessionOptions.OptimizedModelFilePath.
    /// </summary>
    public static List<string> OptimizedOpTypes(ModelProto model, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    {
        using var temp = new TempFolder();
        var optimized = temp.File("optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = level, OptimizedModelFilePath = optimized, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR })
        using (new InferenceSession(model.ToByteArray(), options))
        {
        }

        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(n => n.OpType).ToList();
    }

    /// <summary>Runs <paramref name="model"/> on every row and returns the named output, flat.</summary>
    public static float[] Run(ModelProto model, EvaluationDataset data, string output)
    {
        using var handle = new InferenceSessionFactory().Create(model.ToByteArray(), "model", new SessionSettings());
        return new ModelRunner(handle).Run(data, 16, [output]).Outputs[output].ToFloatArray();
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Deterministic standard-normal-ish values (sum of 4 uniforms, centred and scaled) from a seed.</summary>
    public static float[] Noise(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < 4; k++)
            {
                sum += random.NextDouble();
            }

            values[i] = (float)((sum - 2.0) * Math.Sqrt(3.0) * scale);
        }

        return values;
    }

    /// <summary>Images [n,3,12,12] of smooth seeded patterns plus noise, under input name "image".</summary>
    public static EvaluationDataset Images(int count, int seed)
    {
        var random = new Random(seed);
        var data = new float[count * 3 * 12 * 12];
        var noise = Noise(data.Length, seed + 1, 0.1f);
        for (var n = 0; n < count; n++)
        {
            var fx = 0.2 + random.NextDouble();
            var fy = 0.2 + random.NextDouble();
            for (var c = 0; c < 3; c++)
            {
                var phase = random.NextDouble() * Math.PI;
                for (var y = 0; y < 12; y++)
                {
                    for (var x = 0; x < 12; x++)
                    {
                        var i = (((n * 3) + c) * 144) + (y * 12) + x;
                        data[i] = (float)Math.Sin((fx * x) + (fy * y) + phase) + noise[i];
                    }
                }
            }
        }

        return new EvaluationDataset(new Dictionary<string, DataArray> { ["image"] = DataArray.FromFloats(data, count, 3, 12, 12) });
    }

    /// <summary>
    /// A small CNN at <paramref name="opset"/> with seeded weights: Conv(3→8, 3×3, pad 1, bias) → Relu → MaxPool 2×2 →
    /// Conv(8→16, 3×3, pad 1, bias) → Relu → GlobalAveragePool → Flatten → Gemm(16→10, transB) → output "logits".
    /// </summary>
    public static ModelProto ConvNet(long opset = 13)
    {
        var graph = new GraphProto { Name = "convnet" };
        graph.Input.Add(Value("image", [-1, 3, 12, 12]));
        graph.Output.Add(Value("logits", [-1, 10]));
        graph.Initializer.Add(Floats("conv1.weight", [8, 3, 3, 3], Noise(8 * 27, 11, (float)Math.Sqrt(2.0 / 27))));
        graph.Initializer.Add(Floats("conv1.bias", [8], Noise(8, 12, 0.1f)));
        graph.Initializer.Add(Floats("conv2.weight", [16, 8, 3, 3], Noise(16 * 72, 13, (float)Math.Sqrt(2.0 / 72))));
        graph.Initializer.Add(Floats("conv2.bias", [16], Noise(16, 14, 0.1f)));
        graph.Initializer.Add(Floats("fc.weight", [10, 16], Noise(160, 15, 0.25f)));
        graph.Initializer.Add(Floats("fc.bias", [10], Noise(10, 16, 0.1f)));
        graph.Node.Add(Conv("conv1", "image", "conv1.weight", "conv1.bias", "conv1_out"));
        graph.Node.Add(Node("Relu", "relu1", ["conv1_out"], "relu1_out"));
        var pool = Node("MaxPool", "pool1", ["relu1_out"], "pool1_out");
        pool.Attribute.Add(Ints("kernel_shape", 2, 2));
        pool.Attribute.Add(Ints("strides", 2, 2));
        graph.Node.Add(pool);
        graph.Node.Add(Conv("conv2", "pool1_out", "conv2.weight", "conv2.bias", "conv2_out"));
        graph.Node.Add(Node("Relu", "relu2", ["conv2_out"], "relu2_out"));
        graph.Node.Add(Node("GlobalAveragePool", "gap", ["relu2_out"], "gap_out"));
        graph.Node.Add(Node("Flatten", "flatten", ["gap_out"], "flat"));
        var fc = Node("Gemm", "fc", ["flat", "fc.weight", "fc.bias"], "logits");
        fc.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(fc);
        var model = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return model;
    }

    /// <summary>
    /// A residual block at opset 13: Conv(3→8) → Relu = r; Conv(8→8) on r; Add(conv2, r) → Relu → GlobalAveragePool →
    /// Flatten → Gemm(8→10) → "logits". The tensor r has two consumers (the fan-out of a residual connection).
    /// </summary>
    public static ModelProto ResidualNet()
    {
        var graph = new GraphProto { Name = "residual" };
        graph.Input.Add(Value("image", [-1, 3, 12, 12]));
        graph.Output.Add(Value("logits", [-1, 10]));
        graph.Initializer.Add(Floats("conv1.weight", [8, 3, 3, 3], Noise(8 * 27, 21, (float)Math.Sqrt(2.0 / 27))));
        graph.Initializer.Add(Floats("conv1.bias", [8], Noise(8, 22, 0.1f)));
        graph.Initializer.Add(Floats("conv2.weight", [8, 8, 3, 3], Noise(8 * 72, 23, (float)Math.Sqrt(1.0 / 72))));
        graph.Initializer.Add(Floats("conv2.bias", [8], Noise(8, 24, 0.1f)));
        graph.Initializer.Add(Floats("fc.weight", [10, 8], Noise(80, 25, 0.3f)));
        graph.Initializer.Add(Floats("fc.bias", [10], Noise(10, 26, 0.1f)));
        graph.Node.Add(Conv("conv1", "image", "conv1.weight", "conv1.bias", "conv1_out"));
        graph.Node.Add(Node("Relu", "relu1", ["conv1_out"], "r"));
        graph.Node.Add(Conv("conv2", "r", "conv2.weight", "conv2.bias", "conv2_out"));
        graph.Node.Add(Node("Add", "residual_add", ["conv2_out", "r"], "sum"));
        graph.Node.Add(Node("Relu", "relu2", ["sum"], "relu2_out"));
        graph.Node.Add(Node("GlobalAveragePool", "gap", ["relu2_out"], "gap_out"));
        graph.Node.Add(Node("Flatten", "flatten", ["gap_out"], "flat"));
        var fc = Node("Gemm", "fc", ["flat", "fc.weight", "fc.bias"], "logits");
        fc.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(fc);
        var model = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        return model;
    }

    private static NodeProto Conv(string name, string input, string weight, string bias, string output)
    {
        var node = Node("Conv", name, [input, weight, bias], output);
        node.Attribute.Add(Ints("kernel_shape", 3, 3));
        node.Attribute.Add(Ints("pads", 1, 1, 1, 1));
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static NodeProto Node(string op, string name, IReadOnlyList<string> inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(TinyModels.FloatBytes(values)) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
