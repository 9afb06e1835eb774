using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Search.Space;

namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>The compensation parameters shared by <see cref="ErrorCompensationPass"/> and the pruning passes.</summary>
internal static class CompensationSettings
{
    /// <summary>No compensation.</summary>
    public const string None = "none";

    /// <summary>Bias correction only.</summary>
    public const string Bias = "bias";

    /// <summary>Least-squares reconstruction only.</summary>
    public const string Reconstruct = "reconstruct";

    /// <summary>Reconstruction, then bias correction.</summary>
    public const string ReconstructAndBias = "reconstruct-bias";

    /// <summary>Parameter name of the method.</summary>
    public const string MethodParameter = "compensation";

    /// <summary>Parameter name of the damping.</summary>
    public const string DampingParameter = "damping";

    /// <summary>Methods, "none" first when offered.</summary>
    public static IReadOnlyList<string> Methods(bool withNone) =>
        withNone ? [None, Bias, Reconstruct, ReconstructAndBias] : [ReconstructAndBias, Bias, Reconstruct];

    /// <summary>The two parameter definitions.</summary>
    public static IReadOnlyList<ParameterDefinition> Definitions(bool withNone) =>
    [
        new CategoricalParameter(MethodParameter, Methods(withNone)),
        new FloatParameter(DampingParameter, 0.001, 0.1, Log: true, GridPoints: [0.001, 0.01, 0.1], DefaultValue: 0.01)
        {
            Condition = new ParameterCondition(MethodParameter, [ParameterValue.Of(Reconstruct), ParameterValue.Of(ReconstructAndBias)]),
        },
    ];

    /// <summary>Calibration rows unless the method is <see cref="None"/>.</summary>
    public static PassNeeds Needs(IModelPass pass, PassParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.GetText(pass, MethodParameter) == None ? PassNeeds.None : new PassNeeds { CalibrationRows = true };
    }

    /// <summary>Reads and validates the method and damping; null options for "none".</summary>
    /// <exception cref="InvalidPassConfigurationException">Unknown method or damping out of range.</exception>
    public static CompensationOptions? Read(IModelPass pass, PassParameters parameters, IDictionary<string, string> used)
    {
        var method = parameters.GetText(pass, MethodParameter);
        var allowed = pass.Parameters.OfType<CategoricalParameter>().First(p => p.Name == MethodParameter).Choices;
        if (!allowed.Contains(method))
        {
            throw new InvalidPassConfigurationException(
                pass.Name, $"Parameter '{MethodParameter}' of pass '{pass.Name}' must be one of {string.Join(", ", allowed)}, not '{method}'.");
        }

        used[MethodParameter] = method;
        if (method == None)
        {
            return null;
        }

        var reconstruct = method is Reconstruct or ReconstructAndBias;
        var damping = 0.01;
        if (reconstruct)
        {
            damping = parameters.GetReal(pass, DampingParameter);
            if (!(damping > 0 && damping <= 1))
            {
                throw new InvalidPassConfigurationException(pass.Name, $"Parameter '{DampingParameter}' of pass '{pass.Name}' must be in (0, 1], not {damping}.");
            }

            used[DampingParameter] = ParameterValue.Of(damping).ToString();
        }

        return new CompensationOptions(reconstruct, method is Bias or ReconstructAndBias, damping);
    }
}
