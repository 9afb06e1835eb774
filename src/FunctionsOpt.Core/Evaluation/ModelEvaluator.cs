using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation.Metrics;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// Runs a dataset through an open session and scores the outputs: classification or regression metrics against the
/// labels, and fidelity against reference outputs (a reference model's outputs, or those stored in the dataset).
/// Pure apart from running the session; a session itself must not be shared by concurrent evaluations.
/// </summary>
public static class ModelEvaluator
{
    /// <summary>Evaluates and returns both the metrics and the raw outputs (reusable as a later reference).</summary>
    /// <exception cref="InvalidEvaluationRequestException">The request does not fit the model or the data.</exception>
    public static EvaluationOutcome Evaluate(
        SessionHandle handle,
        EvaluationDataset dataset,
        EvaluationRequest request,
        IReadOnlyDictionary<string, DataArray>? referenceOutputs = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(request);

        var runner = new ModelRunner(handle);
        var scoreOutput = ResolveScoreOutput(handle, request);
        if (request.Task != EvaluationTask.FidelityOnly && dataset.Labels is null)
        {
            throw new InvalidEvaluationRequestException(
                $"{request.Task} metrics need labels but the dataset '{dataset.Source}' has none. Add a label column/array, or evaluate fidelity only.");
        }

        var references = referenceOutputs ?? dataset.ReferenceOutputs;
        if (request.Task == EvaluationTask.FidelityOnly && !references.ContainsKey(scoreOutput))
        {
            throw new InvalidEvaluationRequestException(
                $"Fidelity-only evaluation needs reference outputs for '{scoreOutput}'. Provide them in the dataset manifest or evaluate against a reference model.");
        }

        var run = runner.Run(dataset, request.BatchSize, [scoreOutput], cancellationToken);
        var scores = run.Outputs[scoreOutput];
        var columns = checked((int)scores.RowSize);
        var scoreValues = scores.ToFloatArray();

        ClassificationReport? classification = null;
        RegressionReport? regression = null;
        switch (request.Task)
        {
            case EvaluationTask.Classification:
                classification = ClassificationMetrics.Compute(
                    dataset.Labels!.ToInt64Array(), scoreValues, columns, request.ScoreKind, request.TopK, dataset.ClassNames);
                break;
            case EvaluationTask.Regression:
                if (columns != 1)
                {
                    throw new InvalidEvaluationRequestException(
                        $"Regression needs one prediction per row, but output '{scoreOutput}' has {columns} values per row ({scores.ShapeText}).");
                }

                regression = RegressionMetrics.Compute(dataset.Labels!.ToDoubleArray(), scores.ToDoubleArray());
                break;
        }

        FidelityReport? fidelity = null;
        if (references.TryGetValue(scoreOutput, out var reference))
        {
            if (reference.Length != scores.Length)
            {
                throw new InvalidEvaluationRequestException(
                    $"Reference output '{scoreOutput}' has shape {reference.ShapeText} but the model produced {scores.ShapeText}.");
            }

            // The class axis is the output's last axis: per token for [N, T, classes], per row for [N, classes].
            var classes = scores.Rank > 2 ? checked((int)scores.Shape[^1]) : columns;
            fidelity = FidelityMetrics.Compute(reference.ToFloatArray(), scoreValues, dataset.Count, columns, request.ScoreKind, classes);
        }

        var result = new EvaluationResult
        {
            Provider = handle.ToRecord(),
            Task = request.Task,
            ScoreOutput = scoreOutput,
            SampleCount = dataset.Count,
            BatchSize = run.BatchSize,
            Classification = classification,
            Regression = regression,
            Fidelity = fidelity,
            InferenceSeconds = run.InferenceTime.TotalSeconds,
            TotalSeconds = run.TotalTime.TotalSeconds,
        };
        return new EvaluationOutcome(result, run);
    }

    private static string ResolveScoreOutput(SessionHandle handle, EvaluationRequest request)
    {
        var outputs = handle.Session.OutputMetadata;
        if (request.ScoreOutput is not null)
        {
            if (!outputs.ContainsKey(request.ScoreOutput))
            {
                throw new InvalidEvaluationRequestException(
                    $"The model has no output '{request.ScoreOutput}'. Its outputs are: {string.Join(", ", outputs.Keys)}.");
            }

            return request.ScoreOutput;
        }

        var floats = outputs
            .Where(kv => kv.Value.IsTensor && TensorMarshal.CollectedKind(kv.Value.ElementDataType) is TensorElementKind.Float or TensorElementKind.Double)
            .Select(kv => kv.Key)
            .ToList();
        return floats.Count switch
        {
            1 => floats[0],
            0 => throw new InvalidEvaluationRequestException(
                $"The model has no float tensor output to score (outputs: {string.Join(", ", outputs.Keys)}). Re-export it with score or probability outputs."),
            _ => throw new InvalidEvaluationRequestException(
                $"The model has {floats.Count} float outputs ({string.Join(", ", floats)}); name the one to score (score output / --score-output)."),
        };
    }
}

/// <summary>An evaluation's metrics and the outputs they were computed from.</summary>
/// <param name="Result">The metrics.</param>
/// <param name="Outputs">The collected outputs (only the scored output).</param>
public sealed record EvaluationOutcome(EvaluationResult Result, RunOutputs Outputs);
