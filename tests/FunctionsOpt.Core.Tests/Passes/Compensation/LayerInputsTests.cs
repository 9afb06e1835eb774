using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Compensation;
using FunctionsOpt.Core.Passes.Pruning;
using Google.Protobuf;
using Onnx;
using static FunctionsOpt.Core.Tests.Passes.Pruning.PruningModels;

namespace FunctionsOpt.Core.Tests.Passes.Compensation;

public sealed class LayerInputsTests
{
    public enum ConvCase
    {
        StridedDilatedAsymmetricPads,
        SameUpperStrided,
        Grouped,
        OneDimensional,
    }

    /// <summary>
    /// The im2col rows times the weight matrix must reproduce ONNX Runtime's own Conv output, position by position:
    /// an independent check of the geometry (pads, strides, dilations, auto_pad, groups, 1-D).
    /// </summary>
    [Theory]
    [InlineData(ConvCase.StridedDilatedAsymmetricPads)]
    [InlineData(ConvCase.SameUpperStrided)]
    [InlineData(ConvCase.Grouped)]
    [InlineData(ConvCase.OneDimensional)]
    public void ForEachRow_ConvGeometry_RowsTimesWeightsEqualOrtConv(ConvCase convCase)
    {
        var random = new Random(41 + (int)convCase);
        var (model, inputShape) = SingleConv(convCase, random);
        var input = Normal(random, (int)inputShape.Aggregate(1L, (a, b) => a * b), 1);
        var data = new Core.Data.EvaluationDataset(new Dictionary<string, Core.Data.DataArray> { ["x"] = Core.Data.DataArray.FromFloats(input, inputShape) });
        var expected = Run(model, data, "y");

        var layer = WeightLayer.Find(model.Graph).Layers.Single();
        var inputs = LayerInputs.For(layer, out var problem);
        Assert.Null(problem);
        var w = layer.ReadMatrix(TensorData.ReadFloats(layer.Weight));
        var rows = new List<double[]>();
        long counter = 0;
        var sums = new double[inputs!.Width];
        inputs.ForEachRow(input, inputShape, 1, ref counter, sums, r => rows.Add(r.ToArray()));

        var positions = rows.Count / (int)inputShape[0];
        Assert.Equal(expected.Length, rows.Count * layer.Outputs);
        for (var r = 0; r < rows.Count; r++)
        {
            var n = r / positions;
            var p = r % positions;
            for (var o = 0; o < layer.Outputs; o++)
            {
                var sum = 0.0;
                for (var i = 0; i < layer.Inputs; i++)
                {
                    sum += w[(o * layer.Inputs) + i] * rows[r][inputs.FullColumn(o, i)];
                }

                Assert.Equal(expected[(((n * layer.Outputs) + o) * positions) + p], sum, 4);
            }
        }

        Assert.Equal(rows.Count, inputs.RowsPerSample(inputShape) * inputShape[0]);
    }

    private static (ModelProto Model, long[] InputShape) SingleConv(ConvCase convCase, Random random)
    {
        var (channels, outputs, kernel, group, inputShape) = convCase switch
        {
            ConvCase.StridedDilatedAsymmetricPads => (3, 4, new long[] { 3, 2 }, 1, new long[] { 2, 3, 9, 8 }),
            ConvCase.SameUpperStrided => (2, 3, [3, 3], 1, [2, 2, 7, 6]),
            ConvCase.Grouped => (4, 6, [3, 3], 2, [2, 4, 6, 6]),
            _ => (3, 2, [3], 1, [2, 3, 10]),
        };

        var graph = new GraphProto { Name = "conv" };
        var inputValue = new ValueInfoProto
        {
            Name = "x",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        };
        graph.Input.Add(inputValue);
        long[] weightDims = [outputs, channels / group, .. kernel];
        var count = (int)weightDims.Aggregate(1L, (a, b) => a * b);
        graph.Initializer.Add(TensorData.CreateFloat("W", weightDims, Normal(random, count, 0.5)));
        graph.Initializer.Add(TensorData.CreateFloat("b", [outputs], new float[outputs]));
        var conv = Node("Conv", "conv", ["x", "W", "b"], "y");
        conv.Attribute.Add(Ints("kernel_shape", kernel));
        switch (convCase)
        {
            case ConvCase.StridedDilatedAsymmetricPads:
                conv.Attribute.Add(Ints("strides", 2, 1));
                conv.Attribute.Add(Ints("dilations", 2, 3));
                conv.Attribute.Add(Ints("pads", 1, 0, 2, 1));
                break;
            case ConvCase.SameUpperStrided:
                conv.Attribute.Add(Ints("strides", 2, 2));
                conv.Attribute.Add(new AttributeProto { Name = "auto_pad", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("SAME_UPPER") });
                break;
            case ConvCase.Grouped:
                conv.Attribute.Add(IntAttribute("group", group));
                conv.Attribute.Add(Ints("pads", 1, 1, 1, 1));
                break;
            default:
                conv.Attribute.Add(Ints("pads", 2, 1));
                conv.Attribute.Add(Ints("strides", 2));
                break;
        }

        graph.Node.Add(conv);
        graph.Output.Add(new ValueInfoProto
        {
            Name = "y",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });
        return (Model(graph), inputShape);
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
