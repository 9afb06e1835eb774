using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.CnnTrainer;

/// <summary>
/// Builds the ONNX graph with OnnxSharp's protobuf classes. BatchNormalization nodes stay in inference form (scale,
/// B, mean, var initializers and the epsilon attribute), not folded into the convolutions, and the convolutions
/// have no bias input, as a PyTorch export of Conv(bias=False) + BatchNorm2d would.
/// </summary>
internal static class OnnxExporter
{
    public const string InputName = "image";
    public const string OutputName = "probabilities";
    public const string BatchDimension = "batch";
    public const string ProducerName = "FunctionsOpt.CnnTrainer";
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;

    /// <summary>The node sequence, for the README and metadata.</summary>
    public const string GraphText =
        "Conv -> BatchNormalization -> Relu -> [Conv -> BatchNormalization -> Relu -> Conv -> BatchNormalization] -> " +
        "Add(skip) -> Relu -> MaxPool(2x2, stride 2) -> Conv -> BatchNormalization -> Relu -> GlobalAveragePool -> " +
        "Flatten -> Gemm(transB=1) -> Softmax(axis=1)";

    public static ModelProto Build(ExportedCnn model, string producerVersion, string docString, IReadOnlyList<string> classLabels)
    {
        var shape = model.Shape;
        var graph = new GraphProto { Name = "shapes_cnn" };
        graph.Input.Add(TensorValueInfo(InputName, new TensorShapeProto.Types.Dimension { DimParam = BatchDimension }, shape.InChannels, shape.ImageSize, shape.ImageSize));
        graph.Output.Add(TensorValueInfo(OutputName, new TensorShapeProto.Types.Dimension { DimParam = BatchDimension }, shape.Classes));

        string stem = ConvBn(graph, model.Stages[0].Conv, model.Stages[0].Bn, InputName);
        string stemRelu = Relu(graph, stem, "relu1");
        string inner = Relu(graph, ConvBn(graph, model.Stages[1].Conv, model.Stages[1].Bn, stemRelu), "block.relu1");
        string branch = ConvBn(graph, model.Stages[2].Conv, model.Stages[2].Bn, inner);
        graph.Node.Add(Node("Add", "block.add", [branch, stemRelu], "block.add_out"));
        string blockOut = Relu(graph, "block.add_out", "block.relu2");

        var pool = Node("MaxPool", "pool", [blockOut], "pool_out");
        pool.Attribute.Add(Ints("kernel_shape", 2, 2));
        pool.Attribute.Add(Ints("strides", 2, 2));
        pool.Attribute.Add(Ints("pads", 0, 0, 0, 0));
        graph.Node.Add(pool);

        string head = Relu(graph, ConvBn(graph, model.Stages[3].Conv, model.Stages[3].Bn, "pool_out"), "relu2");
        graph.Node.Add(Node("GlobalAveragePool", "gap", [head], "gap_out"));
        var flatten = Node("Flatten", "flatten", ["gap_out"], "features");
        flatten.Attribute.Add(Int("axis", 1));
        graph.Node.Add(flatten);

        graph.Initializer.Add(FloatTensor("fc.weight", [shape.Classes, shape.Width2], model.FcWeight));
        graph.Initializer.Add(FloatTensor("fc.bias", [shape.Classes], model.FcBias));
        var gemm = Node("Gemm", "fc", ["features", "fc.weight", "fc.bias"], "logits");
        gemm.Attribute.Add(Int("transB", 1));
        graph.Node.Add(gemm);

        var softmax = Node("Softmax", "softmax", ["logits"], OutputName);
        softmax.Attribute.Add(Int("axis", 1));
        graph.Node.Add(softmax);

        var modelProto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = producerVersion,
            DocString = docString,
            Graph = graph,
        };
        modelProto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        modelProto.MetadataProps.Add(new StringStringEntryProto { Key = "class_labels", Value = string.Join(",", classLabels) });
        return modelProto;
    }

    public static byte[] Serialize(ModelProto model) => model.ToByteArray();

    /// <summary>Conv (3x3, pads 1, stride 1, no bias) then BatchNormalization; returns the BN output name.</summary>
    private static string ConvBn(GraphProto graph, ExportedConv conv, ExportedBatchNorm bn, string input)
    {
        graph.Initializer.Add(FloatTensor($"{conv.Name}.weight", [conv.Outputs, conv.Inputs, 3, 3], conv.Weight));
        var node = Node("Conv", conv.Name, [input, $"{conv.Name}.weight"], $"{conv.Name}_out");
        node.Attribute.Add(Ints("kernel_shape", 3, 3));
        node.Attribute.Add(Ints("pads", 1, 1, 1, 1));
        node.Attribute.Add(Ints("strides", 1, 1));
        node.Attribute.Add(Ints("dilations", 1, 1));
        node.Attribute.Add(Int("group", 1));
        graph.Node.Add(node);

        int channels = bn.Scale.Length;
        graph.Initializer.Add(FloatTensor($"{bn.Name}.scale", [channels], bn.Scale));
        graph.Initializer.Add(FloatTensor($"{bn.Name}.bias", [channels], bn.Bias));
        graph.Initializer.Add(FloatTensor($"{bn.Name}.running_mean", [channels], bn.Mean));
        graph.Initializer.Add(FloatTensor($"{bn.Name}.running_var", [channels], bn.Variance));
        var norm = Node(
            "BatchNormalization",
            bn.Name,
            [$"{conv.Name}_out", $"{bn.Name}.scale", $"{bn.Name}.bias", $"{bn.Name}.running_mean", $"{bn.Name}.running_var"],
            $"{bn.Name}_out");
        norm.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = ExportedCnn.Epsilon });
        graph.Node.Add(norm);
        return $"{bn.Name}_out";
    }

    private static string Relu(GraphProto graph, string input, string name)
    {
        graph.Node.Add(Node("Relu", name, [input], $"{name}_out"));
        return $"{name}_out";
    }

    private static NodeProto Node(string opType, string name, IReadOnlyList<string> inputs, string output)
    {
        var node = new NodeProto { OpType = opType, Name = name, Domain = string.Empty };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static ValueInfoProto TensorValueInfo(string name, TensorShapeProto.Types.Dimension first, params int[] rest)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(first);
        foreach (int d in rest)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = shape,
                },
            },
        };
    }

    /// <summary>Float tensor stored as little-endian raw_data (fixed byte layout on any host).</summary>
    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        long expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != values.Length)
        {
            throw new ArgumentException($"Tensor {name}: {values.Length} values for shape [{string.Join(",", dims)}].");
        }

        byte[] raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(raw),
        };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
