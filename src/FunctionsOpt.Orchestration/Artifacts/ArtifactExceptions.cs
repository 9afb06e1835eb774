using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>A run id, candidate hash or artifact name is unsafe or malformed (for example it contains "..").</summary>
public sealed class InvalidArtifactPathException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-artifact-path";

    /// <summary>Creates the error for <paramref name="value"/>; <paramref name="problem"/> says what is wrong and the fix.</summary>
    public InvalidArtifactPathException(string value, string problem)
        : base(Code, $"Artifact name \"{value}\" is refused: {problem}.")
    {
        Value = value;
    }

    /// <summary>The refused text.</summary>
    public string Value { get; }
}

/// <summary>The artifact does not exist (a missing model blob, a run without a state record...).</summary>
public sealed class ArtifactNotFoundException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "artifact-not-found";

    /// <summary>Creates the error for <paramref name="path"/>.</summary>
    public ArtifactNotFoundException(ArtifactPath path, Exception? innerException = null)
        : base(Code, $"Artifact \"{path}\" does not exist; check the name, or upload it first.", innerException)
    {
        Path = path;
    }

    /// <summary>The missing artifact.</summary>
    public ArtifactPath Path { get; }
}

/// <summary>A state record could not be written because other writers kept winning (or its lock could not be taken).</summary>
public sealed class StateConflictException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "state-conflict";

    /// <summary>Creates the error.</summary>
    public StateConflictException(string runId, string message)
        : base(Code, message)
    {
        RunId = runId;
    }

    /// <summary>The run.</summary>
    public string RunId { get; }
}

/// <summary>A stored state record is not a readable <see cref="Contracts.RunState"/> document.</summary>
public sealed class InvalidStateRecordException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-state";

    /// <summary>Creates the error.</summary>
    public InvalidStateRecordException(ArtifactPath path, Exception innerException)
        : base(Code, $"State record \"{path}\" cannot be read ({innerException?.Message}); restore it from a backup or delete the run and start it again.", innerException)
    {
        Path = path;
    }

    /// <summary>The unreadable record.</summary>
    public ArtifactPath Path { get; }
}
