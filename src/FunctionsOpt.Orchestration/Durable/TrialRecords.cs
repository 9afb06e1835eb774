using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Orchestration.Contracts;
using ContractTrialStatus = FunctionsOpt.Orchestration.Contracts.TrialStatus;
using SearchTrialStatus = FunctionsOpt.Core.Search.TrialStatus;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>Conversions between the engine's trial types, the activity messages and the state record.</summary>
internal static class TrialRecords
{
    public static string SearchTrialId(int id) => "t" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static ProviderUsage Usage(ProviderRecord record) => new()
    {
        Requested = Parse(record.Requested),
        Used = Parse(record.Used),
        FallbackReason = record.FallbackReason,
    };

    public static PassReport Report(Core.Passes.PassRecord record) => new()
    {
        Pass = record.Pass,
        NodesTouched = record.NodesTouched,
        InitializerBytesBefore = record.InitializerBytesBefore,
        InitializerBytesAfter = record.InitializerBytesAfter,
        Coverage = record.Coverage.Select(c => c.ToString()).ToArray(),
        Skipped = record.Skipped,
        Notes = record.Notes,
    };

    public static Core.Search.TrialResult ToEngine(TrialSummary summary) => new()
    {
        TrialId = summary.SchedulerTrialId,
        Status = summary.Status,
        Metrics = summary.Metrics,
        SampleCount = summary.SampleCount,
        Error = summary.Error,
    };

    public static ContractTrialStatus ToContract(SearchTrialStatus status) => status switch
    {
        SearchTrialStatus.Succeeded => ContractTrialStatus.Ok,
        SearchTrialStatus.Invalid => ContractTrialStatus.Invalid,
        _ => ContractTrialStatus.Failed,
    };

    public static TrialWork Work(Trial trial) => new()
    {
        TrialId = SearchTrialId(trial.Id),
        SchedulerTrialId = trial.Id,
        Configuration = trial.Configuration.ToCanonical(),
        Rung = trial.Rung,
        Bracket = trial.Bracket,
        PromotedFrom = trial.PromotedFrom is { } from ? SearchTrialId(from) : null,
        Resource = trial.Resource,
        SampleFraction = trial.Budget.EvaluationSampleFraction,
        LatencyIterations = trial.Budget.LatencyIterations,
        CalibrationSamples = trial.Budget.CalibrationSamples,
    };

    private static ProviderName Parse(string name) => name switch
    {
        "cuda" => ProviderName.Cuda,
        "tensorrt" => ProviderName.TensorRT,
        _ => ProviderName.Cpu,
    };
}
