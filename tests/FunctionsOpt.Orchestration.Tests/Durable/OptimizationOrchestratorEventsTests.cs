using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Durable;

public sealed class OptimizationOrchestratorEventsTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    [Fact]
    public async Task Run_ModelMissing_PublishesRunStartedThenRunFailedWithTheError()
    {
        var spec = new OptimizationSpec
        {
            Model = new ModelReference { Path = "/nonexistent/fopt-events/model.onnx" },
            Dataset = new DatasetReference { Path = "/nonexistent/fopt-events/eval.csv", Input = "x", LabelColumn = "y" },
            Seed = 201,
        };
        var runId = SpecHash.RunIdOf(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await engine.Host.SubmitAsync(spec, timeout.Token);
        var summary = await engine.Host.WaitAsync(runId, timeout.Token);

        Assert.NotNull(summary);
        Assert.Equal(RunStatus.Failed, summary.Status);
        var events = engine.Events.Events.Where(e => e.RunId == runId).ToList();
        Assert.Equal([RunEventKind.RunStarted, RunEventKind.RunFailed], events.Select(e => e.Kind));
        Assert.Equal([runId + "/started", runId + "/failed"], events.Select(e => e.EventId));
        Assert.Equal(RunStatus.Validating, events[0].Status);
        Assert.Equal(RunStatus.Failed, events[1].Status);
        Assert.Equal(summary.Error, events[1].Error);
        Assert.NotNull(events[1].Error);
        Assert.Equal(RunStatus.Validating, events[1].Error!.Phase);
        Assert.True(events[0].Time <= events[1].Time);
    }
}
