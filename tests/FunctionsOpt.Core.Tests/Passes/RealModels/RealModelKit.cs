using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Core.Tests.TestKit;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TensorData = FunctionsOpt.Core.Onnx.TensorData;

namespace FunctionsOpt.Core.Tests.Passes.RealModels;

/// <summary>
/// The three real models of issue 3 with their data, and the checks the pass matrix shares. Models are parsed once
/// per test class (fixtures); every comparison runs the original and the rewritten model in ONNX Runtime.
/// </summary>
internal static class RealModelKit
{
    public static readonly DefaultPassCatalogue Catalogue = new();

    public static string PenguinsTrain => Path.Combine(TestPaths.Samples, "penguins", "train.csv");

    public static string ShapesModel => Path.Combine(TestPaths.Samples, "shapes-cnn", "model.onnx");

    public static string ShapesEval => Path.Combine(TestPaths.Samples, "shapes-cnn", "eval.npz");

    public static string ShapesCalibration => Path.Combine(TestPaths.Samples, "shapes-cnn", "calibration.npz");

    public static string Scenes => Path.Combine(TestPaths.Samples, "resnet18-scenes", "scenes.npz");

    public static EvaluationDataset Penguins(string path) => DatasetLoader.Load(path, new DatasetLoadOptions
    {
        Csv = new CsvReadOptions { LabelColumn = "species", InputName = "features" },
    });

    public static IModelPass Pass(string name) => Catalogue.Find(name) ?? throw new InvalidOperationException($"no pass '{name}'");

    public static PassParameters Parameters(params (string Name, ParameterValue Value)[] values) =>
        new(values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal));

    public static PassContext Context(EvaluationDataset? calibration = null) =>
        new(new InferenceSessionFactory(), calibration, Path.GetTempPath());

    /// <summary>Runs <paramref name="steps"/> (each with default parameters unless given) through the pipeline.</summary>
    public static PipelineResult RunPipeline(ModelProto model, PassContext context, params PassStep[] steps) =>
        new PassPipeline(steps).Run(model, context);

    public static PassStep Step(string pass, params (string Name, ParameterValue Value)[] values) => new(Pass(pass), Parameters(values));

    /// <summary>
    /// Scene <paramref name="index"/> of the shipped set as ResNet18 input [1,3,224,224], normalized here from the
    /// stored uint8 pixels with the ImageNet mean/std the README gives.
    /// </summary>
    public static float[] Scene(int index)
    {
        var pixels = (byte[])NpzReader.ReadFile(Scenes)["image"].Data;
        const int plane = 224 * 224;
        double[] mean = [0.485, 0.456, 0.406];
        double[] std = [0.229, 0.224, 0.225];
        var image = new float[3 * plane];
        for (var c = 0; c < 3; c++)
        {
            for (var p = 0; p < plane; p++)
            {
                image[c * plane + p] = (float)((pixels[(index * 3 + c) * plane + p] / 255.0 - mean[c]) / std[c]);
            }
        }

        return image;
    }

    public static EvaluationDataset SceneSet(string inputName, params int[] indices)
    {
        var data = indices.SelectMany(Scene).ToArray();
        return new EvaluationDataset(new Dictionary<string, DataArray>(StringComparer.Ordinal) { [inputName] = DataArray.FromFloats(data, indices.Length, 3, 224, 224) });
    }

    /// <summary>The first output of <paramref name="model"/> on every row, flat, with ORT's full (serving) optimization.</summary>
    public static float[] Outputs(ModelProto model, EvaluationDataset data)
    {
        using var handle = new InferenceSessionFactory().Create(model.ToByteArray(), "model", new SessionSettings { IntraOpThreads = 1 });
        var runner = new ModelRunner(handle);
        var output = runner.TensorOutputNames[0];
        return runner.Run(data, runner.EffectiveBatchSize(64), [output]).Outputs[output].ToFloatArray();
    }

    /// <summary>Accuracy of argmax over <paramref name="classes"/> scores per row against the integer labels.</summary>
    public static double Accuracy(float[] scores, EvaluationDataset data, int classes)
    {
        var labels = data.Labels!.ToInt64Array();
        var correct = 0;
        for (var r = 0; r < labels.Length; r++)
        {
            var best = 0;
            for (var k = 1; k < classes; k++)
            {
                if (scores[r * classes + k] > scores[r * classes + best])
                {
                    best = k;
                }
            }

            correct += best == labels[r] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }

    public static double MaxAbsDiff(float[] a, float[] b) => PassTestKit.MaxAbsDiff(a, b);

    public static double MeanSquaredError(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => ((double)x - y) * ((double)x - y)).Average();
    }

    /// <summary>
    /// The pass refuses with its typed error: the exception names the pass, carries the stable code, and its message
    /// contains <paramref name="reason"/>; when <paramref name="applicabilityAgrees"/>, CheckApplicability says no too.
    /// </summary>
    public static void AssertRefuses(IModelPass pass, ModelProto model, PassContext context, string reason, bool applicabilityAgrees = true, PassParameters? parameters = null)
    {
        var error = Assert.Throws<PassNotApplicableException>(() => pass.Apply(model, parameters ?? PassParameters.Empty, context));
        Assert.Equal(PassNotApplicableException.Code, error.ErrorCode);
        Assert.Equal(pass.Name, error.Pass);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        if (applicabilityAgrees)
        {
            var applicability = pass.CheckApplicability(model);
            Assert.False(applicability.Applies);
            Assert.False(string.IsNullOrWhiteSpace(applicability.Reason));
        }
    }

    /// <summary>Op types after ORT's extended optimization (what the CPU provider will actually run).</summary>
    public static List<string> OptimizedOpTypes(ModelProto model) =>
        Quantization.QuantizationTestKit.OptimizedOpTypes(model, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);

    /// <summary>Fraction of exact zeros in a float initializer.</summary>
    public static double ZeroFraction(ModelProto model, string initializer)
    {
        var values = TensorData.ReadFloats(model.Graph.Initializer.Single(t => t.Name == initializer));
        return (double)values.Count(v => v == 0) / values.Length;
    }
}
