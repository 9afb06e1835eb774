using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Search.Space;
using Onnx;

namespace FunctionsOpt.Core.Passes.Runtime;

/// <summary>
/// Session settings as a catalogue entry, so a search varies them exactly like pass parameters: execution provider,
/// graph optimization level, intra-op threads and batch size. <see cref="Apply"/> returns an unchanged copy of the
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

    private static readonly string[] Levels = ["disabled", "basic", "extended", "all"];

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
        Parameters =
        [
            new CategoricalParameter(ProviderParameter, names, names[0]),
            new CategoricalParameter(OptimizationLevelParameter, Levels, "all"),
            new IntegerParameter(IntraOpThreadsParameter, 0, maxThreads, 1, 0),
            new IntegerParameter(BatchSizeParameter, 1, maxBatchSize, 1, 1),
        ];
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
        return new RuntimeSettings(new SessionSettings { Provider = provider, OptimizationLevel = level, IntraOpThreads = threads }, batch);
    }

    /// <inheritdoc />
    public PassOutput Apply(ModelProto model, PassParameters parameters, PassContext context)
    {
        var output = PassSupport.Open(this, model, parameters);
        var settings = ToSettings(parameters);
        return PassSupport.Close(
            this, parameters, model, output, 0,
            notes: [$"Runs with provider {settings.Session.Provider.ToName()}, optimization {settings.Session.OptimizationLevel}, {settings.Session.IntraOpThreads} intra-op thread(s) (0 = default), batch {settings.BatchSize}."]);
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
