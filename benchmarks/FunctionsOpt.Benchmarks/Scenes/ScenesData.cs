using FunctionsOpt.Core.Data;

namespace FunctionsOpt.Benchmarks.Scenes;

/// <summary>Loads the shipped scenes, normalizes them for ResNet18 and splits them into calibration and fidelity halves.</summary>
internal static class ScenesData
{
    private static readonly double[] Mean = [0.485, 0.456, 0.406];
    private static readonly double[] Std = [0.229, 0.224, 0.225];

    public static (EvaluationDataset Calibration, EvaluationDataset Fidelity) Load(string path, string inputName)
    {
        var array = NpzReader.ReadFile(path)[SceneGenerator.Entry];
        if (array.Data is not byte[] pixels || array.Rank != 4 || array.Shape[1] != 3)
        {
            throw new InvalidDataException($"'{path}' entry '{SceneGenerator.Entry}' must be uint8 [N,3,H,W]; it is {array.ElementType} {array.ShapeText}.");
        }

        var plane = (int)(array.Shape[2] * array.Shape[3]);
        var values = new float[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            var c = i / plane % 3;
            values[i] = (float)((pixels[i] / 255.0 - Mean[c]) / Std[c]);
        }

        var all = new EvaluationDataset(
            new Dictionary<string, DataArray>(StringComparer.Ordinal) { [inputName] = DataArray.FromFloats(values, array.Shape) },
            source: path);
        var half = all.Count / 2;
        return (all.Select(Enumerable.Range(0, half).ToArray()), all.Select(Enumerable.Range(half, all.Count - half).ToArray()));
    }
}
