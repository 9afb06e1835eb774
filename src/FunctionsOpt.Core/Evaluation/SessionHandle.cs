using Microsoft.ML.OnnxRuntime;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// An open ONNX Runtime session plus the facts a result must carry about it: which provider was requested, which
/// one actually runs it, why they differ, and how long creation took. Not thread-safe for disposal; ORT's
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// may be called concurrently.
/// </summary>
public sealed class SessionHandle : IDisposable
{
    internal SessionHandle(
        InferenceSession session,
        SessionSettings settings,
        ExecutionProvider providerUsed,
        string? fallbackReason,
        TimeSpan creationTime)
    {
        Session = session;
        Settings = settings;
        ProviderUsed = providerUsed;
        FallbackReason = fallbackReason;
        CreationTime = creationTime;
    }

    /// <summary>The ORT session.</summary>
    public InferenceSession Session { get; }

    /// <summary>The settings it was created with (<see cref="SessionSettings.Provider"/> is the requested one).</summary>
    public SessionSettings Settings { get; }

    /// <summary>The provider that actually runs the model.</summary>
    public ExecutionProvider ProviderUsed { get; }

    /// <summary>Why the requested provider was not used (null when it was).</summary>
    public string? FallbackReason { get; }

    /// <summary>Wall time of session creation (model load, graph optimization, provider setup).</summary>
    public TimeSpan CreationTime { get; }

    /// <summary>A record of the above for results.</summary>
    public ProviderRecord ToRecord() => new(Settings.Provider.ToName(), ProviderUsed.ToName(), FallbackReason);

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}

/// <summary>Requested vs used provider, as stored in every result.</summary>
/// <param name="Requested">The provider asked for.</param>
/// <param name="Used">The provider that ran the model.</param>
/// <param name="FallbackReason">Why they differ, or null.</param>
public sealed record ProviderRecord(string Requested, string Used, string? FallbackReason);
