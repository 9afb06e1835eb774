using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Runtime;

/// <summary>
/// Session settings as a catalogue entry, so a search varies them exactly like pass parameters: execution provider,
/// graph optimization level, intra-op threads and batch size, and, in trials on CUDA only (when the provider list
/// includes it), cuDNN convolution algorithm search, CUDA graphs and NHWC preference. <see cref="Apply"/> returns an unchanged copy of the
/// model (the settings are not graph edits); <see cref="ToSettings"/> maps the same parameters onto the
/// <see cref="SessionSettings"/> and batch size a trial runs with. Because the values are ordinary parameters, the
/// pipeline hash covers them and two trials that differ only in threads get different cache keys.
/// </summary>
public sealed class RuntimeSettingsPass : IModelPass
{
    /// <summary>The pass name.</summary>
    public const string PassName = "runtime";

    /// <summary>Parameter: execution provider (<c>cpu</c>, <c>cuda</c>, <c>tensorrt</c>).</summary>
    public const string ProviderParameter = "provider";

    /// <summary>Parameter: ORT graph optimization level (<c>disabled</c>, <c>basic</c>, <c>extended</c>, <c>all</c>).</summary>
    public const string OptimizationLevelParameter = "optimization-level";

    /// <summary>Parameter: intra-op threads (0 = ORT default).</summary>
    public const string IntraOpThreadsParameter = "intra-op-threads";

    /// <summary>Parameter: rows per run.</summary>
    public const string BatchSizeParameter = "batch-size";

    /// <summary>Parameter (exists when provider = cuda): cuDNN convolution algorithm search.</summary>
    public const string CudnnConvAlgoSearchParameter = "cudnn-conv-algo-search";

    /// <summary>Parameter (exists when provider = cuda): capture and replay a CUDA graph.</summary>
    public const string CudaGraphParameter = "cuda-graph";

    /// <summary>Parameter (exists when provider = cuda): prefer NHWC convolution kernels.</summary>
    public const string PreferNhwcParameter = "prefer-nhwc";

    private static readonly string[] Levels = ["disabled", "basic", "extended", "all"];

    private static readonly string[] AlgoSearches = ["exhaustive", "heuristic", "default"];

    /// <summary>
    /// Creates the entry. <paramref name="providers"/> are the providers a search may try (default CPU only: list
    /// GPU providers only where they can load); threads range over 0..<paramref name="maxThreads"/>; batch sizes over
    /// 1..<paramref name="maxBatchSize"/>.
    /// </summary>
    public RuntimeSettingsPass(IReadOnlyList<ExecutionProvider>? providers = null, int maxThreads = 16, int maxBatchSize = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        var names = (providers is { Count: > 0 } ? providers : [ExecutionProvider.Cpu]).Select(p => p.ToName()).Distinct().ToList();
        List<ParameterDefinition> parameters =
        [
            new CategoricalParameter(ProviderParameter, names, names[0]),
            new CategoricalParameter(OptimizationLevelParameter, Levels, "all"),
            new IntegerParameter(IntraOpThreadsParameter, 0, maxThreads, 1, 0),
            new IntegerParameter(BatchSizeParameter, 1, maxBatchSize, 1, 1),
        ];
        var cuda = ExecutionProvider.Cuda.ToName();
        if (names.Contains(cuda))
        {
            // CUDA's own options mean nothing to the other providers: they exist only in trials that run on CUDA,
            // so a CPU-only search keeps its space (and its configuration hashes) exactly as before.
            var onCuda = new ParameterCondition(ProviderParameter, [ParameterValue.Of(cuda)]);
            parameters.Add(new CategoricalParameter(CudnnConvAlgoSearchParameter, AlgoSearches, "exhaustive") { Condition = onCuda });
            parameters.Add(new BooleanParameter(CudaGraphParameter, false) { Condition = onCuda });
            parameters.Add(new BooleanParameter(PreferNhwcParameter, false) { Condition = onCuda });
        }

        Parameters = parameters;
    }

    /// <inheritdoc />
    public string Name => PassName;

    /// <inheritdoc />
    public PassKind Kind => PassKind.Runtime;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; }

    /// <inheritdoc />
    /// <remarks>Chooses the session the candidate is measured with; the graph is unchanged.</remarks>
    public PassNeeds Needs(PassParameters parameters) => new() { SessionSettings = true };

    /// <inheritdoc />
    public PassApplicability CheckApplicability(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PassApplicability.Yes("Session settings apply to every model.");
    }

    /// <summary>The session settings and batch size these parameters describe.</summary>
    /// <exception cref="InvalidPassConfigurationException">A value is unknown or out of range.</exception>
    public RuntimeSettings ToSettings(PassParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.EnsureKnown(this);
        var providerText = parameters.GetText(this, ProviderParameter);
        var allowed = ((CategoricalParameter)Parameters[0]).Choices;
        if (!allowed.Contains(providerText) || !ExecutionProviderNames.TryParse(providerText, out var provider))
        {
            throw new InvalidPassConfigurationException(Name, $"Provider '{providerText}' is not one of {string.Join(", ", allowed)} for pass '{Name}'.");
        }

        var level = parameters.GetText(this, OptimizationLevelParameter) switch
        {
            "disabled" => GraphOptimization.Disabled,
            "basic" => GraphOptimization.Basic,
            "extended" => GraphOptimization.Extended,
            "all" => GraphOptimization.All,
            var other => throw new InvalidPassConfigurationException(Name, $"Optimization level '{other}' is not one of {string.Join(", ", Levels)} for pass '{Name}'."),
        };
        var threads = Checked(parameters.GetInteger(this, IntraOpThreadsParameter), (IntegerParameter)Parameters[2]);
        var batch = Checked(parameters.GetInteger(this, BatchSizeParameter), (IntegerParameter)Parameters[3]);
        var session = new SessionSettings { Provider = provider, OptimizationLevel = level, IntraOpThreads = threads };
        if (provider == ExecutionProvider.Cuda && Parameters.Any(p => p.Name == CudnnConvAlgoSearchParameter))
        {
            session = session with
            {
                CudnnConvAlgoSearch = parameters.GetText(this, CudnnConvAlgoSearchParameter) switch
                {
                    "exhaustive" => CudnnConvAlgoSearch.Exhaustive,
                    "heuristic" => CudnnConvAlgoSearch.Heuristic,
                    "default" => CudnnConvAlgoSearch.Default,
                    var other => throw new InvalidPassConfigurationException(Name, $"cuDNN algorithm search '{other}' is not one of {string.Join(", ", AlgoSearches)} for pass '{Name}'."),
                },
                EnableCudaGraph = parameters.GetBoolean(this, CudaGraphParameter),
                PreferNhwc = parameters.GetBoolean(this, PreferNhwcParameter),
            };
        }

        return new RuntimeSettings(session, batch);
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        var output = PassSupport.Open(this, model, parameters);
        var settings = ToSettings(parameters);
        return PassSupport.Close(
            this, parameters, model, output, 0,
            notes: [$"Runs with provider {settings.Session.Provider.ToName()}, optimization {settings.Session.OptimizationLevel}, {settings.Session.IntraOpThreads} intra-op thread(s) (0 = default), batch {settings.BatchSize}." +
                (settings.Session.Provider == ExecutionProvider.Cuda
                    ? $" CUDA: cuDNN search {settings.Session.CudnnConvAlgoSearch}, CUDA graph {settings.Session.EnableCudaGraph}, prefer NHWC {settings.Session.PreferNhwc}."
                    : "")]);
    }

    private int Checked(long value, IntegerParameter definition) =>
        value >= definition.Min && value <= definition.Max
            ? (int)value
            : throw new InvalidPassConfigurationException(Name, $"Parameter '{definition.Name}' of pass '{Name}' must be in {definition.Min}..{definition.Max}, not {value}.");
}

/// <summary>What a trial runs with besides the model.</summary>
/// <param name="Session">Session settings (provider, optimization level, threads).</param>
/// <param name="BatchSize">Rows per run.</param>
public sealed record RuntimeSettings(SessionSettings Session, int BatchSize);
