using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Messaging;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Functions.Durable;

/// <summary>
/// One <c>[Function]</c> per orchestrator and activity of the orchestration library, named exactly as the
/// orchestrator calls them (the type name). Each resolves the shared class from DI and delegates: no logic lives
/// here. Hand-written because the Durable Task source generator is not available; the metadata tests fail when an
/// activity of the library has no wrapper here.
/// </summary>
public static class OptimizationTaskFunctions
{
    /// <summary>The optimization orchestration (<see cref="OptimizationOrchestrator"/>).</summary>
    [Function(nameof(OptimizationOrchestrator))]
    public static Task<RunSummary> RunOrchestratorAsync([OrchestrationTrigger] TaskOrchestrationContext context, FunctionContext executionContext)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(executionContext);
        var input = context.GetInput<OptimizationInput>()
            ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no {nameof(OptimizationInput)}; start runs through OptimizationRunClient.");
        return executionContext.InstanceServices.GetRequiredService<OptimizationOrchestrator>().RunAsync(context, input);
    }

    /// <summary><see cref="ValidateRunActivity"/>.</summary>
    [Function(nameof(ValidateRunActivity))]
    public static Task<StepResult> ValidateRunAsync([ActivityTrigger] OptimizationInput input, string instanceId, FunctionContext executionContext) =>
        RunAsync<ValidateRunActivity, OptimizationInput, StepResult>(input, instanceId, executionContext);

    /// <summary><see cref="UpdatePhaseActivity"/>.</summary>
    [Function(nameof(UpdatePhaseActivity))]
    public static Task<bool> UpdatePhaseAsync([ActivityTrigger] PhaseInput input, string instanceId, FunctionContext executionContext) =>
        RunAsync<UpdatePhaseActivity, PhaseInput, bool>(input, instanceId, executionContext);

    /// <summary><see cref="ProfileBaselineActivity"/>.</summary>
    [Function(nameof(ProfileBaselineActivity))]
    public static Task<StepResult> ProfileBaselineAsync([ActivityTrigger] OptimizationInput input, string instanceId, FunctionContext executionContext) =>
        RunAsync<ProfileBaselineActivity, OptimizationInput, StepResult>(input, instanceId, executionContext);

    /// <summary><see cref="SchedulerStepActivity"/>.</summary>
    [Function(nameof(SchedulerStepActivity))]
    public static Task<SchedulerStepOutput> SchedulerStepAsync([ActivityTrigger] SchedulerStepInput input, string instanceId, FunctionContext executionContext) =>
        RunAsync<SchedulerStepActivity, SchedulerStepInput, SchedulerStepOutput>(input, instanceId, executionContext);

    /// <summary><see cref="RunTrialActivity"/>.</summary>
    [Function(nameof(RunTrialActivity))]
    public static Task<TrialSummary> RunTrialAsync([ActivityTrigger] TrialActivityInput input, string instanceId, FunctionContext executionContext) =>
        RunAsync<RunTrialActivity, TrialActivityInput, TrialSummary>(input, instanceId, executionContext);

    /// <summary><see cref="JudgeFinalistsActivity"/>.</summary>
    [Function(nameof(JudgeFinalistsActivity))]
    public static Task<RunVerdict?> JudgeFinalistsAsync([ActivityTrigger] JudgeInput input, string instanceId, FunctionContext executionContext) =>
        RunAsync<JudgeFinalistsActivity, JudgeInput, RunVerdict?>(input, instanceId, executionContext);

    /// <summary><see cref="FinishRunActivity"/>.</summary>
    [Function(nameof(FinishRunActivity))]
    public static Task<RunSummary> FinishRunAsync([ActivityTrigger] FinishInput input, string instanceId, FunctionContext executionContext) =>
        RunAsync<FinishRunActivity, FinishInput, RunSummary>(input, instanceId, executionContext);

    /// <summary><see cref="PublishRunEventActivity"/>.</summary>
    [Function(nameof(PublishRunEventActivity))]
    public static Task<bool> PublishRunEventAsync([ActivityTrigger] RunEvent input, string instanceId, FunctionContext executionContext) =>
        RunAsync<PublishRunEventActivity, RunEvent, bool>(input, instanceId, executionContext);

    private static Task<TOutput> RunAsync<TActivity, TInput, TOutput>(TInput input, string instanceId, FunctionContext executionContext)
        where TActivity : TaskActivity<TInput, TOutput>
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        var activity = executionContext.InstanceServices.GetRequiredService<TActivity>();
        return activity.RunAsync(new FunctionActivityContext(new TaskName(typeof(TActivity).Name), instanceId), input);
    }
}
