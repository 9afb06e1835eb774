using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using Onnx;

namespace FunctionsOpt.Core.Passes;

/// <summary>What a pass may use besides the model: calibration data, the session factory, a scratch folder.</summary>
public sealed class PassContext
{
    /// <summary>Creates the context.</summary>
    public PassContext(InferenceSessionFactory sessions, EvaluationDataset? calibrationData = null, string? workDirectory = null, CancellationToken cancellationToken = default)
    {
        Sessions = sessions;
        CalibrationData = calibrationData;
        WorkDirectory = workDirectory ?? Path.GetTempPath();
        CancellationToken = cancellationToken;
    }

    /// <summary>Sessions for calibration and ORT offline optimization.</summary>
    public InferenceSessionFactory Sessions { get; }

    /// <summary>Calibration rows (a sample of the evaluation set), when the pass needs them.</summary>
    public EvaluationDataset? CalibrationData { get; }

    /// <summary>Scratch space for ORT's optimized-model output.</summary>
    public string WorkDirectory { get; }

    /// <summary>Cancellation.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// The uncompressed model a compensation pass measures against (typically the pipeline's input, before pruning
    /// or quantization); null when no pass needs one. Passes only read it.
    /// </summary>
    public ModelProto? ReferenceModel { get; init; }

    /// <summary>A copy of this context with <see cref="ReferenceModel"/> set.</summary>
    public PassContext WithReferenceModel(ModelProto reference) =>
        new(Sessions, CalibrationData, WorkDirectory, CancellationToken) { ReferenceModel = reference };
}
