namespace FunctionsOpt.Core.Errors;

/// <summary>
/// Base of every error FunctionsOpt raises on purpose. <see cref="ErrorCode"/> is stable across releases so that
/// state records, HTTP problem details and scripts can branch on it; the message names the problem and the fix.
/// </summary>
public abstract class FunctionsOptException : Exception
{
    /// <summary>Creates the error with its stable code and a message that names the problem and the fix.</summary>
    protected FunctionsOptException(string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Stable, machine-readable error kind (for example <c>invalid-model</c>).</summary>
    public string ErrorCode { get; }
}

/// <summary>The model file cannot be used: not ONNX, truncated, unsupported, unsafe, too large, or ORT rejects it.</summary>
public sealed class InvalidModelException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-model";

    /// <summary>Creates the error; <paramref name="reason"/> is a short machine-readable sub-kind.</summary>
    public InvalidModelException(InvalidModelReason reason, string message, Exception? innerException = null)
        : base(Code, message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Which check failed.</summary>
    public InvalidModelReason Reason { get; }
}

/// <summary>Why a model was rejected.</summary>
public enum InvalidModelReason
{
    /// <summary>The bytes are not an ONNX ModelProto (or are truncated).</summary>
    NotOnnx,
    /// <summary>The IR version is outside the supported range.</summary>
    UnsupportedIrVersion,
    /// <summary>An external-data location points outside the model's folder or is missing.</summary>
    UnsafeExternalData,
    /// <summary>The file exceeds the configured size limit.</summary>
    TooLarge,
    /// <summary>ONNX Runtime cannot create a session for the graph.</summary>
    RuntimeRejected,
    /// <summary>The graph has no inputs/outputs or is otherwise structurally unusable.</summary>
    InvalidGraph,
    /// <summary>The file does not exist.</summary>
    NotFound,
}

/// <summary>The evaluation data cannot be read or does not match the model.</summary>
public sealed class InvalidEvaluationDataException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-data";

    /// <summary>Creates the error with every problem found (one line each in the message).</summary>
    public InvalidEvaluationDataException(string message, IReadOnlyList<string>? problems = null, Exception? innerException = null)
        : base(Code, message, innerException)
    {
        Problems = problems ?? [message];
    }

    /// <summary>Each problem on its own, so a caller can report all of them at once.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>A requested execution provider could not be loaded and the caller did not allow a fallback.</summary>
public sealed class ProviderUnavailableException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "provider-unavailable";

    /// <summary>Creates the error naming the provider that failed.</summary>
    public ProviderUnavailableException(string provider, string message, Exception? innerException = null)
        : base(Code, message, innerException)
    {
        Provider = provider;
    }

    /// <summary>The provider that was requested.</summary>
    public string Provider { get; }
}

/// <summary>An evaluation request is inconsistent (for example metrics requested for outputs the model lacks).</summary>
public sealed class InvalidEvaluationRequestException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-request";

    /// <summary>Creates the error.</summary>
    public InvalidEvaluationRequestException(string message, Exception? innerException = null)
        : base(Code, message, innerException)
    {
    }
}

/// <summary>A pass cannot change this model (nothing it targets, or a structure it cannot rewrite safely).</summary>
public sealed class PassNotApplicableException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "pass-not-applicable";

    /// <summary>Creates the error naming the pass.</summary>
    public PassNotApplicableException(string pass, string message, Exception? innerException = null)
        : base(Code, message, innerException)
    {
        Pass = pass;
    }

    /// <summary>The pass.</summary>
    public string Pass { get; }
}

/// <summary>A pass parameter is unknown, of the wrong kind or out of range.</summary>
public sealed class InvalidPassConfigurationException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-pass-config";

    /// <summary>Creates the error naming the pass.</summary>
    public InvalidPassConfigurationException(string pass, string message, Exception? innerException = null)
        : base(Code, message, innerException)
    {
        Pass = pass;
    }

    /// <summary>The pass.</summary>
    public string Pass { get; }
}

/// <summary>An ONNX Runtime session settings file (<c>ort-session.json</c>) cannot be read.</summary>
public sealed class InvalidSessionSettingsException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-session-settings";

    /// <summary>Creates the error.</summary>
    public InvalidSessionSettingsException(string message, Exception? innerException = null)
        : base(Code, message, innerException)
    {
    }
}
