using System.Reflection;

namespace FunctionsOpt.Core.Tests.TestKit;

/// <summary>Where the test inputs are: the copied samples folder and the ResNet18 file from its NuGet package.</summary>
internal static class TestPaths
{
    public static string Samples => Path.Combine(AppContext.BaseDirectory, "samples");

    public static string PenguinsModel => Path.Combine(Samples, "penguins", "model.onnx");

    public static string PenguinsEval => Path.Combine(Samples, "penguins", "eval.csv");

    public static string PenguinsMetadata => Path.Combine(Samples, "penguins", "metadata.json");

    public static string ResNet18 => typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ResNet18Path").Value!;
}
