using System.Diagnostics;
using FunctionsOpt.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// The one place FunctionsOpt creates <see cref="InferenceSession"/>s. A requested GPU provider is appended for real
/// (ORT's provider list cannot be trusted: it names CUDA even when the CUDA libraries are missing); when it fails
/// the factory either throws <see cref="ProviderUnavailableException"/> or, if the settings allow it, falls back to
/// CPU and records the reason. Thread-safe.
/// </summary>
public sealed partial class InferenceSessionFactory
{
    private readonly ILogger _logger;

    /// <summary>Creates the factory.</summary>
    public InferenceSessionFactory(ILogger<InferenceSessionFactory>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Opens a session for the model file.</summary>
    /// <exception cref="ProviderUnavailableException">The provider failed and fallback is not allowed.</exception>
    /// <exception cref="InvalidModelException">ONNX Runtime rejects the graph.</exception>
    public SessionHandle Create(string modelPath, SessionSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return Create(options => new InferenceSession(modelPath, options), Path.GetFileName(modelPath), settings);
    }

    /// <summary>Opens a session for in-memory model bytes.</summary>
    /// <exception cref="ProviderUnavailableException">The provider failed and fallback is not allowed.</exception>
    /// <exception cref="InvalidModelException">ONNX Runtime rejects the graph.</exception>
    public SessionHandle Create(byte[] model, string displayName, SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(options => new InferenceSession(model, options), displayName, settings);
    }

    private SessionHandle Create(Func<SessionOptions, InferenceSession> open, string name, SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var stopwatch = Stopwatch.StartNew();
        if (settings.Provider == ExecutionProvider.Cpu)
        {
            var cpuSession = OpenOrReject(open, settings, ExecutionProvider.Cpu, name);
            return new SessionHandle(cpuSession, settings, ExecutionProvider.Cpu, null, stopwatch.Elapsed);
        }

        try
        {
            var session = OpenOrReject(open, settings, settings.Provider, name);
            return new SessionHandle(session, settings, settings.Provider, null, stopwatch.Elapsed);
        }
        catch (ProviderFailure failure)
        {
            var reason = $"{settings.Provider.ToName()} provider could not be loaded: {failure.InnerException!.Message}";
            if (!settings.AllowCpuFallback)
            {
                throw new ProviderUnavailableException(
                    settings.Provider.ToName(),
                    $"The {settings.Provider.ToName()} execution provider is not available ({failure.InnerException.Message}). " +
                    "Run on a machine with the GPU package and CUDA 13 libraries, request provider 'cpu', or allow CPU fallback.",
                    failure.InnerException);
            }

            LogFallback(_logger, name, settings.Provider.ToName(), failure.InnerException.Message);
            stopwatch.Restart();
            var session = OpenOrReject(open, settings, ExecutionProvider.Cpu, name);
            return new SessionHandle(session, settings, ExecutionProvider.Cpu, reason, stopwatch.Elapsed);
        }
    }

    private static InferenceSession OpenOrReject(
        Func<SessionOptions, InferenceSession> open, SessionSettings settings, ExecutionProvider provider, string name)
    {
        using var options = BuildOptions(settings);
        try
        {
            AppendProvider(options, provider, settings);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException)
        {
            // The CPU package throws EntryPointNotFoundException, the GPU package without CUDA libraries throws
            // OnnxRuntimeException; both mean "this provider cannot run here".
            throw new ProviderFailure(ex);
        }

        try
        {
            return open(options);
        }
        catch (OnnxRuntimeException ex) when (provider != ExecutionProvider.Cpu && LooksLikeProviderFailure(ex))
        {
            throw new ProviderFailure(ex);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelException(
                Errors.InvalidModelReason.RuntimeRejected,
                $"ONNX Runtime cannot load model '{name}': {ex.Message}. Check that the opsets and operators are supported by ONNX Runtime {OrtVersion}, or re-export the model.",
                ex);
        }
    }

    /// <summary>The ONNX Runtime version in this process.</summary>
    public static string OrtVersion => OrtEnv.Instance().GetVersionString();

    internal static SessionOptions BuildOptions(SessionSettings settings)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = settings.OptimizationLevel switch
            {
                GraphOptimization.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            ExecutionMode = settings.ParallelExecution ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            // Warnings from ORT go to its own stderr logger; keep them to errors so CLI output stays readable.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (settings.IntraOpThreads > 0)
        {
            options.IntraOpNumThreads = settings.IntraOpThreads;
        }

        if (settings.InterOpThreads > 0)
        {
            options.InterOpNumThreads = settings.InterOpThreads;
        }

        return options;
    }

    /// <summary>
    /// The CUDA provider options (ORT's string keys and values) these settings ask for. Pure, so what a trial asks
    /// of CUDA is checked without a GPU; every key is always present, so the options never depend on ORT's defaults.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> CudaProviderOptions(SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = settings.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = settings.CudnnConvAlgoSearch switch
            {
                CudnnConvAlgoSearch.Exhaustive => "EXHAUSTIVE",
                CudnnConvAlgoSearch.Heuristic => "HEURISTIC",
                CudnnConvAlgoSearch.Default => "DEFAULT",
                var other => throw new ArgumentOutOfRangeException(nameof(settings), other, "Unknown cuDNN algorithm search."),
            },
            ["enable_cuda_graph"] = settings.EnableCudaGraph ? "1" : "0",
            ["prefer_nhwc"] = settings.PreferNhwc ? "1" : "0",
        };
    }

    private static void AppendProvider(SessionOptions options, ExecutionProvider provider, SessionSettings settings)
    {
        switch (provider)
        {
            case ExecutionProvider.Cpu:
                break;
            case ExecutionProvider.Cuda:
                AppendCuda(options, settings);
                break;
            case ExecutionProvider.TensorRT:
                options.AppendExecutionProvider_Tensorrt(settings.DeviceId);
                AppendCuda(options, settings);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider));
        }
    }

    private static void AppendCuda(SessionOptions options, SessionSettings settings)
    {
        // Creating the options object already needs the GPU library (the CPU package throws here): inside the
        // caller's try, so it takes the same fallback path as a failed append.
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(new Dictionary<string, string>(CudaProviderOptions(settings), StringComparer.Ordinal));
        options.AppendExecutionProvider_CUDA(cuda);
    }

    private static bool LooksLikeProviderFailure(OnnxRuntimeException ex) =>
        ex.Message.Contains("CUDA", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("TensorRT", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("cublas", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("cudnn", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains(".so", StringComparison.Ordinal);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Model {Model}: provider {Requested} unavailable, falling back to CPU as allowed: {Reason}")]
    private static partial void LogFallback(ILogger logger, string model, string requested, string reason);

    private sealed class ProviderFailure(Exception inner) : Exception(inner.Message, inner);
}
