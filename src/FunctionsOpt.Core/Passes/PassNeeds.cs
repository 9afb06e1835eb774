namespace FunctionsOpt.Core.Passes;

/// <summary>
/// What a configured pass needs from the trial besides the model, so the trial supplies exactly that (and the
/// candidate hash covers calibration ids exactly when rows are supplied). Declared by the pass for given parameter
/// values: a guess from parameter names missed passes whose need depends on a value (gptq, bias correction).
/// </summary>
public sealed record PassNeeds
{
    /// <summary>Nothing beyond the model.</summary>
    public static PassNeeds None { get; } = new();

    /// <summary>Calibration rows in <see cref="PassContext.CalibrationData"/>.</summary>
    public bool CalibrationRows { get; init; }

    /// <summary>The uncompressed model in <see cref="PassContext.ReferenceModel"/>.</summary>
    public bool ReferenceModel { get; init; }

    /// <summary>The trial's session settings: the pass chooses how the candidate runs rather than editing the graph.</summary>
    public bool SessionSettings { get; init; }

    /// <summary>The lowest ai.onnx opset the pass accepts; the canonicalisation step upgrades to it (0: any).</summary>
    public long MinimumOpset { get; init; }

    /// <summary>Everything either needs.</summary>
    public PassNeeds Union(PassNeeds other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new PassNeeds
        {
            CalibrationRows = CalibrationRows || other.CalibrationRows,
            ReferenceModel = ReferenceModel || other.ReferenceModel,
            SessionSettings = SessionSettings || other.SessionSettings,
            MinimumOpset = Math.Max(MinimumOpset, other.MinimumOpset),
        };
    }
}
