using System.Text.Json;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Serialization;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// The ONNX Runtime session settings file (<c>serving/ort-session.json</c>, schema version 1.0) a run writes for its
/// chosen model and that <c>fopt profile --session-settings</c> and hosts load: provider, threads, graph optimization
/// level, execution mode. Unknown properties and values are errors, so a typo never silently falls back to a default.
/// </summary>
public sealed record SessionSettingsDocument
{
    /// <summary>The only schema version this build reads and writes.</summary>
    public const string CurrentSchemaVersion = "1.0";

    /// <summary>Schema version.</summary>
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>tensorrt</c>.</summary>
    public string Provider { get; init; } = "cpu";

    /// <summary>Threads inside one operator (0 = ONNX Runtime's default).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across operators in parallel mode (0 = ONNX Runtime's default).</summary>
    public int InterOpThreads { get; init; }

    /// <summary><c>disabled</c>, <c>basic</c>, <c>extended</c> or <c>all</c>.</summary>
    public string OptimizationLevel { get; init; } = "all";

    /// <summary>Run independent branches in parallel (ORT_PARALLEL).</summary>
    public bool ParallelExecution { get; init; }

    /// <summary>GPU ordinal for CUDA/TensorRT.</summary>
    public int DeviceId { get; init; }

    /// <summary>Whether a provider that cannot load may fall back to the CPU (recorded when it does).</summary>
    public bool AllowCpuFallback { get; init; }

    /// <summary>
    /// CUDA options, written only for cuda and tensorrt (which appends CUDA behind it), so CPU documents read as
    /// before; absent means ONNX Runtime's default. cuDNN convolution algorithm search: exhaustive, heuristic or default.
    /// </summary>
    public string? CudnnConvAlgoSearch { get; init; }

    /// <summary>CUDA option: capture and replay a CUDA graph. Absent = false.</summary>
    public bool? EnableCudaGraph { get; init; }

    /// <summary>CUDA option: prefer NHWC convolution kernels. Absent = false.</summary>
    public bool? PreferNhwc { get; init; }

    /// <summary>The document for <paramref name="settings"/>.</summary>
    public static SessionSettingsDocument From(SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SessionSettingsDocument
        {
            Provider = settings.Provider.ToName(),
            IntraOpThreads = settings.IntraOpThreads,
            InterOpThreads = settings.InterOpThreads,
            OptimizationLevel = settings.OptimizationLevel.ToString().ToLowerInvariant(),
            ParallelExecution = settings.ParallelExecution,
            DeviceId = settings.DeviceId,
            AllowCpuFallback = settings.AllowCpuFallback,
            CudnnConvAlgoSearch = UsesCuda(settings.Provider) ? settings.CudnnConvAlgoSearch.ToString().ToLowerInvariant() : null,
            EnableCudaGraph = UsesCuda(settings.Provider) ? settings.EnableCudaGraph : null,
            PreferNhwc = UsesCuda(settings.Provider) ? settings.PreferNhwc : null,
        };
    }

    private static bool UsesCuda(ExecutionProvider provider) => provider is ExecutionProvider.Cuda or ExecutionProvider.TensorRT;

    /// <summary>The settings this document describes.</summary>
    /// <exception cref="InvalidSessionSettingsException">A value is not one of the allowed ones.</exception>
    public SessionSettings ToSettings()
    {
        if (!string.Equals(SchemaVersion, CurrentSchemaVersion, StringComparison.Ordinal))
        {
            throw new InvalidSessionSettingsException($"Session settings schema version '{SchemaVersion}' is not supported; write \"schemaVersion\": \"{CurrentSchemaVersion}\".");
        }

        if (!ExecutionProviderNames.TryParse(Provider, out var provider))
        {
            throw new InvalidSessionSettingsException($"Session settings provider '{Provider}' is not known; use cpu, cuda or tensorrt.");
        }

        if (!Enum.TryParse<GraphOptimization>(OptimizationLevel, ignoreCase: true, out var level) || !Enum.IsDefined(level) || int.TryParse(OptimizationLevel, out _))
        {
            throw new InvalidSessionSettingsException($"Session settings optimizationLevel '{OptimizationLevel}' is not known; use disabled, basic, extended or all.");
        }

        if (IntraOpThreads is < 0 or > 1024 || InterOpThreads is < 0 or > 1024 || DeviceId is < 0 or > 64)
        {
            throw new InvalidSessionSettingsException("Session settings threads must be 0..1024 and deviceId 0..64.");
        }

        var algoSearch = Evaluation.CudnnConvAlgoSearch.Exhaustive;
        if (CudnnConvAlgoSearch is not null
            && (!Enum.TryParse(CudnnConvAlgoSearch, ignoreCase: true, out algoSearch) || !Enum.IsDefined(algoSearch) || int.TryParse(CudnnConvAlgoSearch, out _)))
        {
            throw new InvalidSessionSettingsException($"Session settings cudnnConvAlgoSearch '{CudnnConvAlgoSearch}' is not known; use exhaustive, heuristic or default.");
        }

        return new SessionSettings
        {
            Provider = provider,
            CudnnConvAlgoSearch = algoSearch,
            EnableCudaGraph = EnableCudaGraph ?? false,
            PreferNhwc = PreferNhwc ?? false,
            IntraOpThreads = IntraOpThreads,
            InterOpThreads = InterOpThreads,
            OptimizationLevel = level,
            ParallelExecution = ParallelExecution,
            DeviceId = DeviceId,
            AllowCpuFallback = AllowCpuFallback,
        };
    }
}

/// <summary>Reads and writes <see cref="SessionSettingsDocument"/> files.</summary>
public static class SessionSettingsFile
{
    private static readonly JsonSerializerOptions Strict = new(JsonDefaults.Options) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    /// <summary>The file's text for <paramref name="settings"/> (indented JSON, newline at the end).</summary>
    public static string ToJson(SessionSettings settings) => JsonSerializer.Serialize(SessionSettingsDocument.From(settings), JsonDefaults.Options) + "\n";

    /// <summary>Parses a file's text.</summary>
    /// <exception cref="InvalidSessionSettingsException">Not JSON, an unknown property, or a value out of range.</exception>
    public static SessionSettings Parse(string json)
    {
        try
        {
            var document = JsonSerializer.Deserialize<SessionSettingsDocument>(json, Strict)
                ?? throw new InvalidSessionSettingsException("The session settings file is empty (null); write a JSON object.");
            return document.ToSettings();
        }
        catch (JsonException ex)
        {
            throw new InvalidSessionSettingsException("The session settings file is not valid: " + ex.Message, ex);
        }
    }

    /// <summary>Reads and parses the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidSessionSettingsException">The file is missing or not valid.</exception>
    public static SessionSettings Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidSessionSettingsException($"Session settings file '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path));
    }
}
