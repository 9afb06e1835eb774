using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Optimization;

/// <summary>
/// Everything a run's trials share, loaded once: the input model (file, parsed graph and bytes), the evaluation set
/// conformed to the model's inputs with the baseline model's outputs attached as reference outputs (so any subsample
/// carries the matching baseline rows for fidelity), and the calibration rows. Immutable; safe to share between
/// concurrent trials.
/// </summary>
public sealed class OptimizationData
{
    /// <summary>Creates the data.</summary>
    /// <param name="modelPath">The input model file.</param>
    /// <param name="model">The parsed input model.</param>
    /// <param name="modelBytes">The file's bytes (the pipeline hash covers them).</param>
    /// <param name="evaluation">Evaluation rows, conformed, with baseline outputs as reference outputs.</param>
    /// <param name="calibration">Calibration rows (inputs only are used).</param>
    /// <param name="calibrationFingerprint">Identifies the calibration rows' content, so that candidate hashes change when they do.</param>
    public OptimizationData(string modelPath, ModelProto model, byte[] modelBytes, EvaluationDataset evaluation, EvaluationDataset calibration, string calibrationFingerprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentException.ThrowIfNullOrWhiteSpace(calibrationFingerprint);
        ModelPath = modelPath;
        Model = model;
        ModelBytes = modelBytes;
        Evaluation = evaluation;
        Calibration = calibration;
        CalibrationFingerprint = calibrationFingerprint;
        ModelInputs = InputsOf(model);
    }

    /// <summary>The input model file.</summary>
    public string ModelPath { get; }

    /// <summary>The graph inputs of <paramref name="model"/> that data must feed (initializers excluded).</summary>
    public static IReadOnlyList<TensorInfo> InputsOf(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return model.Graph.Input.Where(i => !initializers.Contains(i.Name)).Select(OnnxModelInspector.ToTensorInfo).ToArray();
    }

    /// <summary>The parsed input model (never mutated: passes copy it).</summary>
    public ModelProto Model { get; }

    /// <summary>The input model's bytes.</summary>
    public byte[] ModelBytes { get; }

    /// <summary>The model's graph inputs (initializers excluded).</summary>
    public IReadOnlyList<TensorInfo> ModelInputs { get; }

    /// <summary>Evaluation rows with baseline outputs as <see cref="EvaluationDataset.ReferenceOutputs"/>.</summary>
    public EvaluationDataset Evaluation { get; }

    /// <summary>Calibration rows.</summary>
    public EvaluationDataset Calibration { get; }

    /// <summary>Identifies the calibration rows' content.</summary>
    public string CalibrationFingerprint { get; }
}
