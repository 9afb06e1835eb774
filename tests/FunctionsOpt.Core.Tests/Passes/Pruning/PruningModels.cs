using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes.Pruning;

/// <summary>How a linear layer is written.</summary>
public enum LinearForm
{
    /// <summary>MatMul x·W (W [K,N]) then Add b.</summary>
    MatMulAdd,
    /// <summary>Gemm with B [K,N], C = b.</summary>
    Gemm,
    /// <summary>Gemm with B [N,K] (transB = 1), C = b.</summary>
    GemmTransB,
}

/// <summary>Graphs and data for the pruning and compensation tests, built in code with seeded weights.</summary>
internal static class PruningModels
{
    public static string PenguinsTrain => Path.Combine(TestPaths.Samples, "penguins", "train.csv");

    /// <summary>
    /// An MLP x [batch, widths[0]] → ... → y [batch, widths[^1]] with Relu between layers; layer i's weight is
    /// "W{i}" and bias "b{i}", node names "fc{i}". Weights are N(0, 1/sqrt(fan-in)) from <paramref name="seed"/>.
    /// </summary>
    public static ModelProto Mlp(int seed, LinearForm form, params int[] widths)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "mlp" };
        graph.Input.Add(Value("x", widths[0]));
        var current = "x";
        for (var i = 0; i + 1 < widths.Length; i++)
        {
            int k = widths[i], n = widths[i + 1];
            var w = Normal(random, k * n, 1 / Math.Sqrt(k));
            var b = Normal(random, n, 0.1);
            var output = i + 2 == widths.Length ? "y" : $"h{i}";
            AddLinear(graph, form, $"fc{i}", current, $"W{i}", $"b{i}", k, n, w, b, i + 2 == widths.Length ? output : $"z{i}");
            if (i + 2 < widths.Length)
            {
                graph.Node.Add(Node("Relu", $"relu{i}", [$"z{i}"], output));
            }

            current = output;
        }

        graph.Output.Add(Value("y", widths[^1]));
        return Model(graph);
    }

    /// <summary>Adds a linear layer in the requested form; w is row-major [k, n] whatever the form.</summary>
    public static void AddLinear(GraphProto graph, LinearForm form, string name, string input, string weight, string bias, int k, int n, float[] w, float[] b, string output)
    {
        switch (form)
        {
            case LinearForm.MatMulAdd:
                graph.Initializer.Add(TensorData.CreateFloat(weight, [k, n], w));
                graph.Initializer.Add(TensorData.CreateFloat(bias, [n], b));
                graph.Node.Add(Node("MatMul", name, [input, weight], name + "_mm"));
                graph.Node.Add(Node("Add", name + "_bias", [name + "_mm", bias], output));
                break;
            case LinearForm.Gemm:
                graph.Initializer.Add(TensorData.CreateFloat(weight, [k, n], w));
                graph.Initializer.Add(TensorData.CreateFloat(bias, [n], b));
                graph.Node.Add(Node("Gemm", name, [input, weight, bias], output));
                break;
            default:
                var t = new float[w.Length];
                for (var r = 0; r < k; r++)
                {
                    for (var c = 0; c < n; c++)
                    {
                        t[(c * k) + r] = w[(r * n) + c];
                    }
                }

                graph.Initializer.Add(TensorData.CreateFloat(weight, [n, k], t));
                graph.Initializer.Add(TensorData.CreateFloat(bias, [n], b));
                var gemm = Node("Gemm", name, [input, weight, bias], output);
                gemm.Attribute.Add(IntAttribute("transB", 1));
                graph.Node.Add(gemm);
                break;
        }
    }

    /// <summary>
    /// x [batch, c, 6, 6] → Conv(W0 [m, c, 3, 3], pads 1) → Relu → Conv(W1 [m2, m, 3, 3], pads 1) → y. Seeded.
    /// </summary>
    public static ModelProto TwoConv(int seed, int c, int m, int m2)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "conv" };
        graph.Input.Add(Value("x", c, 6, 6));
        graph.Initializer.Add(TensorData.CreateFloat("W0", [m, c, 3, 3], Normal(random, m * c * 9, 1 / Math.Sqrt(c * 9))));
        graph.Initializer.Add(TensorData.CreateFloat("b0", [m], Normal(random, m, 0.1)));
        graph.Initializer.Add(TensorData.CreateFloat("W1", [m2, m, 3, 3], Normal(random, m2 * m * 9, 1 / Math.Sqrt(m * 9))));
        graph.Initializer.Add(TensorData.CreateFloat("b1", [m2], Normal(random, m2, 0.1)));
        graph.Node.Add(Conv("conv0", ["x", "W0", "b0"], "c0"));
        graph.Node.Add(Node("Relu", "relu0", ["c0"], "r0"));
        graph.Node.Add(Conv("conv1", ["r0", "W1", "b1"], "y"));
        graph.Output.Add(Value("y", m2, 6, 6));
        return Model(graph);
    }

    public static NodeProto Conv(string name, IReadOnlyList<string> inputs, string output)
    {
        var node = Node("Conv", name, inputs, output);
        node.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
        node.Attribute.Add(new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 3, 3 } });
        return node;
    }

    /// <summary>Rows of N(0,1) inputs for input "x" with per-row shape <paramref name="shape"/>.</summary>
    public static EvaluationDataset RandomData(int seed, int rows, params long[] shape)
    {
        var random = new Random(seed);
        var size = (int)shape.Aggregate(1L, (a, b) => a * b);
        var data = Normal(random, rows * size, 1);
        return new EvaluationDataset(new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats(data, [rows, .. shape]) });
    }

    /// <summary>
    /// Rows of correlated inputs for "x" [rows, features]: x = A·z + 0.1·noise with z of dimension features/4, the
    /// kind of redundancy real activations have (and that least-squares reconstruction exploits).
    /// </summary>
    public static EvaluationDataset CorrelatedData(int seed, int rows, int features)
    {
        var random = new Random(seed);
        var latent = Math.Max(1, features / 4);
        var mixing = Normal(random, features * latent, 1);
        var z = Normal(random, rows * latent, 1);
        var noise = Normal(random, rows * features, 0.1);
        var data = new float[rows * features];
        for (var r = 0; r < rows; r++)
        {
            for (var f = 0; f < features; f++)
            {
                var sum = noise[(r * features) + f];
                for (var l = 0; l < latent; l++)
                {
                    sum += mixing[(f * latent) + l] * z[(r * latent) + l];
                }

                data[(r * features) + f] = sum;
            }
        }

        return new EvaluationDataset(new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats(data, rows, features) });
    }

    public static EvaluationDataset LoadPenguins(string path) => DatasetLoader.Load(path, new DatasetLoadOptions
    {
        Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" },
    });

    public static ModelProto LoadPenguinsModel() => ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestPaths.PenguinsModel));

    /// <summary>Runs <paramref name="model"/> in ONNX Runtime (which must accept it) and returns output <paramref name="output"/>.</summary>
    public static float[] Run(ModelProto model, EvaluationDataset data, string output)
    {
        using var handle = new InferenceSessionFactory().Create(model.ToByteArray(), "test", new SessionSettings());
        return new ModelRunner(handle).Run(data, 64, [output]).Outputs[output].ToFloatArray();
    }

    /// <summary>Runs <paramref name="model"/> with intermediate value <paramref name="value"/> exposed as an extra output.</summary>
    public static float[] RunIntermediate(ModelProto model, EvaluationDataset data, string value)
    {
        var probe = model.Clone();
        if (probe.Graph.Output.All(o => o.Name != value))
        {
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = value,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        return Run(probe, data, value);
    }

    public static double Mse(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (a[i] - (double)b[i]) * (a[i] - (double)b[i]);
        }

        return sum / a.Length;
    }

    public static float[] Weights(ModelProto model, string name) => TensorData.ReadFloats(model.Graph.Initializer.Single(t => t.Name == name));

    public static PassContext Context(EvaluationDataset? calibration = null, ModelProto? reference = null) =>
        new(new InferenceSessionFactory(), calibration) { ReferenceModel = reference };

    public static PassParameters Parameters(params (string Name, object Value)[] values) => new(values.ToDictionary(
        v => v.Name,
        v => v.Value switch
        {
            string s => Core.Search.Space.ParameterValue.Of(s),
            bool b => Core.Search.Space.ParameterValue.Of(b),
            int i => Core.Search.Space.ParameterValue.Of((long)i),
            long l => Core.Search.Space.ParameterValue.Of(l),
            double d => Core.Search.Space.ParameterValue.Of(d),
            _ => throw new ArgumentException("Unsupported value."),
        }));

    public static float[] Normal(Random random, int count, double scale)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return values;
    }

    public static NodeProto Node(string op, string name, IReadOnlyList<string> inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    public static AttributeProto IntAttribute(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    public static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (var d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
