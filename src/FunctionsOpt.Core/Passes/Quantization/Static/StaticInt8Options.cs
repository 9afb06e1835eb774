using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Passes.Quantization.Calibration;

namespace FunctionsOpt.Core.Passes.Quantization.Static;

/// <summary>The validated configuration of one <see cref="StaticInt8Pass"/> run.</summary>
internal sealed record StaticInt8Options
{
    public required CalibrationMethod Method { get; init; }

    public required double Percentile { get; init; }

    public required int CalibrationSamples { get; init; }

    public required long CalibrationSeed { get; init; }

    public required bool PerChannel { get; init; }

    public required bool SymmetricActivations { get; init; }

    public required bool SignedActivations { get; init; }

    public required bool ExcludeFirstLast { get; init; }

    public required IReadOnlySet<string> OpTypes { get; init; }

    public required IReadOnlyList<string> ExcludeNodes { get; init; }

    public required bool Gptq { get; init; }

    public required bool BiasCorrection { get; init; }

    public static StaticInt8Options Parse(StaticInt8Pass pass, PassParameters parameters)
    {
        parameters.EnsureKnown(pass);
        var name = pass.Name;
        var methodText = parameters.GetText(pass, StaticInt8Pass.MethodParameter);
        var method = methodText switch
        {
            "minmax" => CalibrationMethod.MinMax,
            "percentile" => CalibrationMethod.Percentile,
            "entropy" => CalibrationMethod.Entropy,
            _ => throw new InvalidPassConfigurationException(name, $"Unknown calibration method '{methodText}'; use minmax, percentile or entropy."),
        };

        var percentile = parameters.GetReal(pass, StaticInt8Pass.PercentileParameter);
        if (!(percentile >= StaticInt8Pass.MinPercentile && percentile <= 100))
        {
            throw new InvalidPassConfigurationException(
                name, $"Percentile {percentile} is out of range; it must be in [{StaticInt8Pass.MinPercentile}, 100] (for example 99.9 or 99.99).");
        }

        var samples = parameters.GetInteger(pass, StaticInt8Pass.CalibrationSamplesParameter);
        if (samples < 1 || samples > StaticInt8Pass.MaxCalibrationSamples)
        {
            throw new InvalidPassConfigurationException(
                name, $"Calibration sample count {samples} is out of range; it must be in [1, {StaticInt8Pass.MaxCalibrationSamples}].");
        }

        var activationType = parameters.GetText(pass, StaticInt8Pass.ActivationTypeParameter);
        if (activationType is not ("int8" or "uint8"))
        {
            throw new InvalidPassConfigurationException(name, $"Unknown activation type '{activationType}'; use int8 (S8S8) or uint8 (U8S8).");
        }

        var opTypes = Split(parameters.GetText(pass, StaticInt8Pass.OpTypesParameter));
        if (opTypes.Count == 0)
        {
            throw new InvalidPassConfigurationException(name, "The op-types list is empty; name at least one of " + string.Join(", ", StaticInt8Pass.SupportedOpTypes) + ".");
        }

        var unknown = opTypes.Where(o => !StaticInt8Pass.SupportedOpTypes.Contains(o)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidPassConfigurationException(
                name,
                $"Op type(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))} cannot be quantized by this pass. Supported: {string.Join(", ", StaticInt8Pass.SupportedOpTypes)}.");
        }

        var rounding = parameters.GetText(pass, StaticInt8Pass.RoundingParameter);
        if (rounding is not ("nearest" or "gptq"))
        {
            throw new InvalidPassConfigurationException(name, $"Unknown rounding '{rounding}'; use nearest or gptq.");
        }

        return new StaticInt8Options
        {
            Gptq = rounding == "gptq",
            BiasCorrection = parameters.GetBoolean(pass, StaticInt8Pass.BiasCorrectionParameter),
            Method = method,
            Percentile = percentile,
            CalibrationSamples = (int)samples,
            CalibrationSeed = parameters.GetInteger(pass, StaticInt8Pass.CalibrationSeedParameter),
            PerChannel = parameters.GetBoolean(pass, StaticInt8Pass.PerChannelParameter),
            SymmetricActivations = parameters.GetBoolean(pass, StaticInt8Pass.SymmetricActivationsParameter),
            SignedActivations = activationType == "int8",
            ExcludeFirstLast = parameters.GetBoolean(pass, StaticInt8Pass.ExcludeFirstLastParameter),
            OpTypes = new SortedSet<string>(opTypes, StringComparer.Ordinal),
            ExcludeNodes = Split(parameters.GetText(pass, StaticInt8Pass.ExcludeNodesParameter)),
        };
    }

    private static List<string> Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
}
