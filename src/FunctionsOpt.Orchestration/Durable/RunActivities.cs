using FunctionsOpt.Core.Errors;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Optimization;
using Microsoft.DurableTask;

namespace FunctionsOpt.Orchestration.Durable;

/// <summary>
/// Checks the spec, creates the run's state record if it has none (a re-delivered start keeps the first), and prepares
/// the run's inputs (the model loads, the data matches it). A user error is a failed <see cref="StepResult"/> with its
/// code, not an exception. Idempotent.
/// </summary>
public sealed class ValidateRunActivity(IArtifactStore store, RunWorkspace workspace, TimeProvider clock) : TaskActivity<OptimizationInput, StepResult>
{
    /// <inheritdoc />
    public override async Task<StepResult> RunAsync(TaskActivityContext context, OptimizationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (await store.ReadStateAsync(input.RunId) is null)
        {
            await store.TryWriteStateAsync(RunState.Create(input.RunId, input.Spec, clock.GetUtcNow()) with { Status = RunStatus.Validating }, null);
        }

        var validation = SpecValidator.Default.Validate(input.Spec);
        var problems = validation.Problems.Select(p => p.ToString()).Concat(SpecMapper.Unsupported(input.Spec)).ToList();
        if (problems.Count > 0)
        {
            return new StepResult(false, InvalidSpecException.Code, string.Join(" | ", problems));
        }

        try
        {
            await workspace.GetAsync(input.RunId, input.Spec);
            return new StepResult(true);
        }
        catch (FunctionsOptException ex)
        {
            return new StepResult(false, ex.ErrorCode, workspace.Scrub(input.RunId, ex.Message));
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            // Running the baseline for reference outputs is where a model's impossible shapes surface.
            return new StepResult(false, Core.Optimization.TrialExecutor.RuntimeErrorCode, "ONNX Runtime could not run the model on the data: " + workspace.Scrub(input.RunId, ex.Message));
        }
    }
}

/// <summary>Records a phase change (and the rung) in the state record. Idempotent.</summary>
public sealed class UpdatePhaseActivity(IArtifactStore store) : TaskActivity<PhaseInput, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, PhaseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await store.UpdateStateAsync(input.RunId, s => s.IsTerminal ? s : s with
        {
            Status = input.Status,
            CurrentRung = input.Rung,
            Timings = s.Timings.StartedAt is null ? s.Timings with { StartedAt = input.At } : s.Timings,
        });
        return true;
    }
}

/// <summary>Measures the unmodified model on the whole evaluation set and stores its metrics in the state record. Idempotent.</summary>
public sealed class ProfileBaselineActivity(IArtifactStore store, RunWorkspace workspace, Core.Optimization.BaselineProfiler profiler) : TaskActivity<OptimizationInput, StepResult>
{
    /// <inheritdoc />
    public override async Task<StepResult> RunAsync(TaskActivityContext context, OptimizationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            var prepared = await workspace.GetAsync(input.RunId, input.Spec);
            var baseline = await profiler.MeasureAsync(prepared.Data.ModelPath, prepared.Data.Evaluation, prepared.Settings, workspace.Options.MaxLatencyIterations);
            var summary = new MetricsSummary { Metrics = baseline.Result.Metrics, Provider = TrialRecords.Usage(baseline.Provider) };
            var source = RunFactsCapture.SourceModel(input.Spec, prepared.Data.ModelPath, prepared.Data.ModelBytes);
            var environment = RunFactsCapture.Environment(baseline.Profile?.OrtVersion, prepared.Settings.Session, summary.Provider);
            // A run that has ended keeps the record it ended with (a redelivered baseline must not rewrite it).
            await store.UpdateStateAsync(input.RunId, s => s.IsTerminal ? s : s with { Baseline = summary, SourceModel = source, Environment = environment });
            return new StepResult(true);
        }
        catch (FunctionsOptException ex)
        {
            return new StepResult(false, ex.ErrorCode, workspace.Scrub(input.RunId, ex.Message));
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            return new StepResult(false, Core.Optimization.TrialExecutor.RuntimeErrorCode, "ONNX Runtime could not run the model: " + workspace.Scrub(input.RunId, ex.Message));
        }
    }
}
