using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Client;

namespace FunctionsOpt.Orchestration.Tests.Api;

public sealed class RunStatusResolverTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static RunState State(RunStatus status) =>
        RunState.Create("run-1", new OptimizationSpec { Model = new ModelReference { Blob = "m.onnx" }, Dataset = new DatasetReference { Blob = "d.csv" } }, At) with { Status = status };

    private static OrchestrationMetadata Metadata(OrchestrationRuntimeStatus status, RunProgress? progress = null) =>
        new("OptimizationOrchestrator", "run-1")
        {
            RuntimeStatus = status,
            CreatedAt = At,
            LastUpdatedAt = At,
            SerializedCustomStatus = progress is null ? null : JsonDataConverter.Default.Serialize(progress),
            DataConverter = JsonDataConverter.Default,
        };

    [Fact]
    public void Resolve_NeitherSource_IsNull()
    {
        Assert.Null(RunStatusResolver.Resolve(null, null));
    }

    [Fact]
    public void Resolve_PurgedOrchestrationWithStateRecord_TakesTheRecordsStatus()
    {
        Assert.Equal(RunStatus.Completed, RunStatusResolver.Resolve(null, State(RunStatus.Completed)));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Terminated, RunStatus.Cancelled)]
    [InlineData(OrchestrationRuntimeStatus.Failed, RunStatus.Failed)]
    [InlineData(OrchestrationRuntimeStatus.Pending, RunStatus.Pending)]
    public void Resolve_OrchestrationStatus_MapsToTheRunStatus(OrchestrationRuntimeStatus runtime, RunStatus expected)
    {
        // The orchestration wins over a record that has not caught up yet.
        Assert.Equal(expected, RunStatusResolver.Resolve(Metadata(runtime), State(RunStatus.Searching)));
    }

    [Fact]
    public void Resolve_RunningWithoutProgressYet_TakesTheRecordsPhaseWhileNotTerminal()
    {
        Assert.Equal(RunStatus.Validating, RunStatusResolver.Resolve(Metadata(OrchestrationRuntimeStatus.Running), State(RunStatus.Validating)));
        Assert.Equal(RunStatus.Pending, RunStatusResolver.Resolve(Metadata(OrchestrationRuntimeStatus.Running), null));
    }

    [Theory]
    [InlineData(RunStatus.Completed)]
    [InlineData(RunStatus.Cancelled)]
    [InlineData(RunStatus.Failed)]
    public void Resolve_RunningWithAnEndingAnnounced_IsWritingResultsUntilTheOrchestrationEnds(RunStatus announced)
    {
        // The orchestrator sets its custom status to the ending, then writes the results, then returns.
        var metadata = Metadata(OrchestrationRuntimeStatus.Running, new RunProgress(announced, null, 22, 22, null));

        Assert.Equal(RunStatus.WritingResults, RunStatusResolver.Resolve(metadata, State(RunStatus.FinalEvaluation)));
    }

    [Fact]
    public void Resolve_RunningWithAPhase_TakesThePhase()
    {
        var metadata = Metadata(OrchestrationRuntimeStatus.Running, new RunProgress(RunStatus.Searching, 1, 3, 22, null));

        Assert.Equal(RunStatus.Searching, RunStatusResolver.Resolve(metadata, State(RunStatus.ProfilingBaseline)));
    }

    [Theory]
    [InlineData(RunStatus.Completed, new[] { OrchestrationRuntimeStatus.Completed })]
    [InlineData(RunStatus.Cancelled, new[] { OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Terminated })]
    [InlineData(RunStatus.Failed, new[] { OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed })]
    [InlineData(RunStatus.Searching, new[] { OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended })]
    public void RuntimeStatusesOf_RunStatus_CoversEveryOrchestrationStatusItCanHave(RunStatus status, OrchestrationRuntimeStatus[] expected)
    {
        Assert.Equal(expected, RunStatusResolver.RuntimeStatusesOf(status));
    }
}
