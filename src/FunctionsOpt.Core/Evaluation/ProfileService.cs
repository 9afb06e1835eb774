using System.Security.Cryptography;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// The measuring instrument end to end: validate the model, check the data against its inputs (every mismatch at
/// once), score quality on the data, then time it. Quality and performance use the same session settings, so the
/// provider recorded for both is the one that produced both.
/// </summary>
public sealed class ProfileService
{
    private readonly OnnxModelValidator _validator;
    private readonly InferenceSessionFactory _sessions;
    private readonly PerformanceProfiler _profiler;

    /// <summary>Creates the service.</summary>
    public ProfileService(OnnxModelValidator validator, InferenceSessionFactory sessions, PerformanceProfiler profiler)
    {
        _validator = validator;
        _sessions = sessions;
        _profiler = profiler;
    }

    /// <summary>Profiles <paramref name="modelPath"/>, evaluating it on <paramref name="data"/> when given.</summary>
    /// <exception cref="Errors.InvalidModelException">The model is unusable.</exception>
    /// <exception cref="Errors.InvalidEvaluationDataException">The data does not fit the model.</exception>
    /// <exception cref="Errors.ProviderUnavailableException">The provider cannot load and fallback is off.</exception>
    public ProfileReport Profile(
        string modelPath,
        SessionSettings settings,
        ProfileOptions profileOptions,
        DatasetLoadResult? data = null,
        EvaluationRequest? evaluation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var inspection = _validator.Validate(modelPath);
        var notes = new List<string>();
        EvaluationDataset? dataset = null;
        EvaluationResult? result = null;

        if (data is not null)
        {
            var check = DatasetModelValidator.Validate(data.Dataset, inspection.Inputs);
            check.ThrowIfInvalid();
            notes.AddRange(check.Notes);
            if (data.DroppedRows.Count > 0)
            {
                notes.Add($"{data.DroppedRows.Count} row(s) with missing values were dropped (lines {string.Join(", ", data.DroppedRows.Take(20))}{(data.DroppedRows.Count > 20 ? ", ..." : string.Empty)}).");
            }

            dataset = DatasetModelValidator.Conform(data.Dataset, inspection.Inputs);
            var request = evaluation ?? new EvaluationRequest();
            if (dataset.Labels is not null || request.Task == EvaluationTask.FidelityOnly || dataset.ReferenceOutputs.Count > 0)
            {
                if (dataset.Labels is null && request.Task != EvaluationTask.FidelityOnly)
                {
                    request = request with { Task = EvaluationTask.FidelityOnly };
                }

                using var handle = _sessions.Create(modelPath, settings);
                result = ModelEvaluator.Evaluate(handle, dataset, request, cancellationToken: cancellationToken).Result;
            }
            else
            {
                notes.Add("The dataset has no labels or reference outputs, so only performance was measured.");
            }
        }

        if (dataset is null)
        {
            RequireSynthesizable(inspection.Inputs, profileOptions);
        }

        var performance = _profiler.Profile(modelPath, settings, profileOptions, dataset, cancellationToken);
        return new ProfileReport
        {
            Model = inspection,
            ModelSha256 = Sha256(modelPath),
            Dataset = dataset?.Source,
            DataNotes = notes,
            Evaluation = result,
            Performance = performance,
            MeasuredAt = DateTimeOffset.UtcNow,
            Environment = EnvironmentInfo.Current(),
        };
    }

    /// <summary>
    /// Refuses declared input shapes too large to synthesize, from the model's own (64-bit) dimensions: ONNX Runtime
    /// reports dimensions as 32-bit integers, so a fixed 2^40 reaches it as 0 and would be mistaken for a dynamic axis.
    /// </summary>
    /// <exception cref="InvalidEvaluationRequestException">An input would exceed <see cref="ProfileInputs.MaxSyntheticElements"/>.</exception>
    internal static void RequireSynthesizable(IReadOnlyList<TensorInfo> inputs, ProfileOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        var batch = options.ResolvedBatchSizes.Min();
        foreach (var input in inputs)
        {
            if (input.Shape is null)
            {
                continue;
            }

            var elements = 1.0;
            for (var axis = 0; axis < input.Shape.Count; axis++)
            {
                var dim = input.Shape[axis].Value;
                elements *= dim ?? (axis == 0 ? batch : 1);
            }

            if (elements > ProfileInputs.MaxSyntheticElements)
            {
                throw new InvalidEvaluationRequestException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Input '{input.Name}' declares shape {input.ShapeText}: at least {elements:G3} elements per batch, over the {ProfileInputs.MaxSyntheticElements} one input can hold; re-export the model with realistic fixed dimensions."));
            }
        }
    }

    /// <summary>Hex sha256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
