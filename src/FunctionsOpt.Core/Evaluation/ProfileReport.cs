using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>What <c>fopt profile</c> produces: the model, its quality on the data (if given) and its performance.</summary>
public sealed record ProfileReport
{
    /// <summary>Version of this document's shape.</summary>
    public string SchemaVersion { get; init; } = "1.0";

    /// <summary>The model inspection.</summary>
    public required ModelInspection Model { get; init; }

    /// <summary>sha256 of the model file, hex.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>Dataset source, when evaluated.</summary>
    public string? Dataset { get; init; }

    /// <summary>Notes from checking the data against the model (type conversions, dropped rows, padding).</summary>
    public IReadOnlyList<string> DataNotes { get; init; } = [];

    /// <summary>Quality metrics, when a labelled dataset was given.</summary>
    public EvaluationResult? Evaluation { get; init; }

    /// <summary>Performance figures.</summary>
    public required PerformanceProfile Performance { get; init; }

    /// <summary>UTC time of measurement.</summary>
    public required DateTimeOffset MeasuredAt { get; init; }

    /// <summary>Machine facts: OS, processor count, .NET version.</summary>
    public required EnvironmentInfo Environment { get; init; }
}

/// <summary>Where a measurement was taken.</summary>
/// <param name="Os">Operating system description.</param>
/// <param name="ProcessorCount">Logical processors visible to the process.</param>
/// <param name="Runtime">.NET runtime description.</param>
/// <param name="MachineName">Host name.</param>
public sealed record EnvironmentInfo(string Os, int ProcessorCount, string Runtime, string MachineName)
{
    /// <summary>Facts about the current process's machine.</summary>
    public static EnvironmentInfo Current() => new(
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        System.Environment.MachineName);
}
