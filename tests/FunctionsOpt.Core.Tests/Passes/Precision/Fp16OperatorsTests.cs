using FunctionsOpt.Core.Passes.Precision;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace FunctionsOpt.Core.Tests.Passes.Precision;

public sealed class Fp16OperatorsTests
{
    public static TheoryData<string, int> AttributeFreeOperators()
    {
        // Operators of the float16 table that need neither attributes nor extra inputs: x (and x again for binaries).
        string[] unary =
        [
            "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Neg", "Erf", "Reciprocal", "Floor", "Ceil", "Round", "Sign",
            "LeakyRelu", "Elu", "Selu", "HardSigmoid", "Softplus", "Softsign", "Identity", "Softmax", "LogSoftmax", "Flatten",
            "Transpose", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2", "ReduceSumSquare",
            "ReduceLogSumExp", "ReduceProd", "ReduceSum", "Dropout", "Shape", "Size", "ArgMax", "ArgMin", "Split",
        ];
        string[] binary = ["Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Max", "Min", "Sum", "Mean", "MatMul", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"];
        var data = new TheoryData<string, int>();
        foreach (var op in unary)
        {
            data.Add(op, 1);
        }

        foreach (var op in binary)
        {
            data.Add(op, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AttributeFreeOperators))]
    public void Table_Operator_RunsWithFloat16OnOrtCpuAtOpset13(string op, int inputs)
    {
        Assert.True(Fp16Operators.Table.ContainsKey(op), $"{op} is not in the float16 table");
        var graph = new GraphProto { Name = "probe" };
        graph.Input.Add(PassTestKit.Value("x", TensorProto.Types.DataType.Float16, 1, 4, 6, 6));
        graph.Node.Add(PassTestKit.Node(op, Enumerable.Repeat("x", inputs).ToArray(), ["y"]));
        graph.Output.Add(new ValueInfoProto { Name = "y" });
        var model = PassTestKit.Model(graph, 13);

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var values = Enumerable.Range(0, 144).Select(i => (Float16)(0.05f + 0.1f * (i % 7))).ToArray();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<Float16>(values, [1, 4, 6, 6]))]);

        Assert.Single(results);
    }
}
