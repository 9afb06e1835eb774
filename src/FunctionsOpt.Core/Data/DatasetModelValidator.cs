using System.Globalization;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Data;

/// <summary>What <see cref="DatasetModelValidator"/> found: errors block a run, notes are worth showing the user.</summary>
public sealed class ValidationReport
{
    /// <summary>Creates the report.</summary>
    public ValidationReport(IReadOnlyList<string> errors, IReadOnlyList<string> notes)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(notes);
        Errors = errors;
        Notes = notes;
    }

    /// <summary>Mismatches that make the data unusable with the model, each naming the fix.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Things that will work but change or pad the data (type conversions, a padded last batch).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Throws an <see cref="InvalidEvaluationDataException"/> listing every error, if there are any.</summary>
    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw new InvalidEvaluationDataException(
                $"The evaluation data does not match the model ({Errors.Count} problem(s)): " + string.Join("; ", Errors) + ".", Errors);
        }
    }
}

/// <summary>
/// Checks an <see cref="EvaluationDataset"/> against a model's inputs before anything runs, reporting every mismatch
/// at once, and converts data to the model's element types where that is safe. Axis 0 is the sample axis.
/// Thread-safe (stateless).
/// </summary>
public static class DatasetModelValidator
{
    /// <summary>Compares the dataset's input arrays with <paramref name="modelInputs"/>.</summary>
    public static ValidationReport Validate(EvaluationDataset dataset, IReadOnlyList<TensorInfo> modelInputs)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(modelInputs);
        var errors = new List<string>();
        var notes = new List<string>();
        var modelNames = string.Join(", ", modelInputs.Select(i => $"'{i.Name}'"));
        var dataNames = string.Join(", ", dataset.Inputs.Keys.Select(n => $"'{n}'"));

        foreach (var input in modelInputs)
        {
            if (!dataset.Inputs.ContainsKey(input.Name))
            {
                errors.Add($"model input '{input.Name}' ({input.ElementType.OnnxName()} {input.ShapeText}) has no data; add an array named '{input.Name}' (data has {dataNames})");
            }
        }

        var byName = modelInputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var (name, array) in dataset.Inputs)
        {
            if (!byName.TryGetValue(name, out var input))
            {
                errors.Add($"array '{name}' is not a model input (model inputs: {modelNames}); rename it to the input it feeds or remove it");
                continue;
            }

            CheckElementType(name, array, input, errors, notes);
            CheckShape(name, array, input, errors, notes);
        }

        return new ValidationReport(errors, notes);
    }

    /// <summary>
    /// Validates, then returns a dataset whose inputs have the model's element types (labels and reference outputs
    /// untouched). Throws <see cref="InvalidEvaluationDataException"/> listing every error when the data does not fit.
    /// </summary>
    public static EvaluationDataset Conform(EvaluationDataset dataset, IReadOnlyList<TensorInfo> modelInputs)
    {
        Validate(dataset, modelInputs).ThrowIfInvalid();
        var byName = modelInputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        if (dataset.Inputs.All(kv => kv.Value.ElementType == byName[kv.Key].ElementType))
        {
            return dataset;
        }

        var inputs = dataset.Inputs.ToDictionary(kv => kv.Key, kv => kv.Value.ConvertTo(byName[kv.Key].ElementType), StringComparer.Ordinal);
        return new EvaluationDataset(inputs, dataset.Labels, dataset.ClassNames, dataset.ReferenceOutputs, dataset.Source);
    }

    private static void CheckElementType(string name, DataArray array, TensorInfo input, List<string> errors, List<string> notes)
    {
        var from = array.ElementType;
        var to = input.ElementType;
        if (from == to)
        {
            return;
        }

        if (!IsFeedable(to))
        {
            errors.Add($"model input '{name}' has element type {to.OnnxName()}, which evaluation data cannot feed (supported: float, double, int64, int32, uint8, bool); export the model with one of those input types");
            return;
        }

        var conversion = (from, to) switch
        {
            (TensorElementKind.Double, TensorElementKind.Float) => "float64 data is converted to float32 (about 7 significant digits kept)",
            (TensorElementKind.Float, TensorElementKind.Double) => "float32 data is widened to float64",
            (TensorElementKind.Int32, TensorElementKind.Int64) => "int32 data is widened to int64",
            (TensorElementKind.Int64, TensorElementKind.Int32) => "int64 data is narrowed to int32 (all values are in range)",
            (TensorElementKind.UInt8 or TensorElementKind.Bool, TensorElementKind.Float or TensorElementKind.Double) =>
                $"{from.OnnxName()} data is converted to {to.OnnxName()}",
            _ => null,
        };

        if (conversion is null)
        {
            errors.Add($"input '{name}' is {from.OnnxName()} but the model expects {to.OnnxName()}; save the array as {NumpyName(to)} (e.g. arr.astype(np.{NumpyName(to)}))");
            return;
        }

        if (from == TensorElementKind.Int64 && to == TensorElementKind.Int32)
        {
            var values = (long[])array.Data;
            var outside = values.Where(v => v is < int.MinValue or > int.MaxValue).ToList();
            if (outside.Count > 0)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"input '{name}' is int64 and the model expects int32, but {outside.Count} value(s) are outside the int32 range (min {values.Min()}, max {values.Max()}); fix the values or export the model with an int64 input"));
                return;
            }
        }

        notes.Add($"input '{name}': {conversion} to match the model");
    }

    private static void CheckShape(string name, DataArray array, TensorInfo input, List<string> errors, List<string> notes)
    {
        if (input.Shape is null)
        {
            notes.Add($"model input '{name}' declares no shape; the data's shape {array.ShapeText} is passed as is and only the runtime can check it");
            return;
        }

        if (array.Rank != input.Shape.Count)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"input '{name}' has rank {array.Rank} (shape {array.ShapeText}) but the model expects rank {input.Shape.Count} ({input.ShapeText}); axis 0 is the sample axis, so reshape the data to {ExpectedShape(input)}"));
            return;
        }

        for (var axis = 1; axis < array.Rank; axis++)
        {
            var expected = input.Shape[axis].Value;
            if (expected is not null && expected.Value != array.Shape[axis])
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"input '{name}' axis {axis}: expected {expected.Value}, actual {array.Shape[axis]} (data {array.ShapeText}, model {input.ShapeText}); resize or re-export the data to match"));
            }
        }

        var batch = input.Shape[0].Value;
        if (batch is > 1 && array.Rows % batch.Value != 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"model input '{name}' has a fixed batch of {batch.Value} and the data has {array.Rows} samples, not a multiple; the last batch is padded and the padding is ignored in metrics"));
        }
    }

    private static string ExpectedShape(TensorInfo input) =>
        "(" + string.Join(", ", input.Shape!.Select((d, axis) => axis == 0 ? "N" : d.ToString())) + (input.Shape!.Count == 1 ? ",)" : ")");

    private static bool IsFeedable(TensorElementKind kind) => kind is TensorElementKind.Float or TensorElementKind.Double
        or TensorElementKind.Int64 or TensorElementKind.Int32 or TensorElementKind.UInt8 or TensorElementKind.Bool;

    private static string NumpyName(TensorElementKind kind) => kind switch
    {
        TensorElementKind.Float => "float32",
        TensorElementKind.Double => "float64",
        TensorElementKind.Bool => "bool_",
        _ => kind.OnnxName(),
    };
}
