using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.SampleTrainer;

/// <summary>
/// Builds the ONNX graph with OnnxSharp's protobuf classes:
/// features -> Sub(mean) -> Div(std) -> [Gemm(transB=1) -> Relu]* -> Gemm -> Softmax(axis=1) -> probabilities.
/// </summary>
internal static class OnnxExporter
{
    public const string InputName = "features";
    public const string OutputName = "probabilities";
    public const string BatchDimension = "batch";
    public const string ProducerName = "FunctionsOpt.SampleTrainer";
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;

    public static ModelProto Build(ExportedModel model, string producerVersion, string docString, IReadOnlyList<string> classLabels)
    {
        var graph = new GraphProto { Name = "penguins_mlp" };
        graph.Input.Add(TensorValueInfo(InputName, model.InputSize));
        graph.Output.Add(TensorValueInfo(OutputName, model.OutputSize));

        graph.Initializer.Add(FloatTensor("input_mean", [model.InputSize], model.Mean));
        graph.Initializer.Add(FloatTensor("input_std", [model.InputSize], model.Std));
        graph.Node.Add(Node("Sub", "standardize_sub", [InputName, "input_mean"], "features_centered"));
        graph.Node.Add(Node("Div", "standardize_div", ["features_centered", "input_std"], "features_standardized"));

        string current = "features_standardized";
        for (int l = 0; l < model.Layers.Count; l++)
        {
            ExportedLayer layer = model.Layers[l];
            string prefix = $"fc{l + 1}";
            graph.Initializer.Add(FloatTensor($"{prefix}.weight", [layer.Outputs, layer.Inputs], layer.Weights));
            graph.Initializer.Add(FloatTensor($"{prefix}.bias", [layer.Outputs], layer.Bias));
            bool last = l == model.Layers.Count - 1;
            string gemmOutput = last ? "logits" : $"{prefix}_out";
            var gemm = Node("Gemm", $"{prefix}_gemm", [current, $"{prefix}.weight", $"{prefix}.bias"], gemmOutput);
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(gemm);
            current = gemmOutput;
            if (!last)
            {
                string reluOutput = $"{prefix}_relu";
                graph.Node.Add(Node("Relu", $"{prefix}_relu", [current], reluOutput));
                current = reluOutput;
            }
        }

        var softmax = Node("Softmax", "softmax", [current], OutputName);
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
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
        modelProto.MetadataProps.Add(new StringStringEntryProto
        {
            Key = "feature_columns",
            Value = string.Join(",", PenguinData.FeatureColumns),
        });
        return modelProto;
    }

    public static byte[] Serialize(ModelProto model) => model.ToByteArray();

    private static NodeProto Node(string opType, string name, IReadOnlyList<string> inputs, string output)
    {
        var node = new NodeProto { OpType = opType, Name = name, Domain = string.Empty };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static ValueInfoProto TensorValueInfo(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
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
