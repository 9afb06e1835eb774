using FunctionsOpt.Core.Evaluation;

namespace FunctionsOpt.Core.Onnx;

/// <summary>
/// Full model validation: the protobuf checks of <see cref="OnnxModelInspector"/> plus a real ONNX Runtime session
/// creation on CPU, so a graph ORT cannot load is rejected before any trial runs (ORT's message is kept).
/// </summary>
public sealed class OnnxModelValidator
{
    private readonly OnnxModelInspector _inspector;
    private readonly InferenceSessionFactory _sessions;

    /// <summary>Creates the validator.</summary>
    public OnnxModelValidator(OnnxModelInspector inspector, InferenceSessionFactory sessions)
    {
        _inspector = inspector;
        _sessions = sessions;
    }

    /// <summary>Inspects the model and proves ORT can load it.</summary>
    /// <exception cref="Errors.InvalidModelException">Any check fails.</exception>
    public ModelInspection Validate(string path)
    {
        var inspection = _inspector.Inspect(path);
        // Basic level keeps the load fast while still running ORT's graph resolution and type checks.
        using var session = _sessions.Create(path, new SessionSettings { OptimizationLevel = GraphOptimization.Basic, IntraOpThreads = 1 });
        return inspection;
    }
}
