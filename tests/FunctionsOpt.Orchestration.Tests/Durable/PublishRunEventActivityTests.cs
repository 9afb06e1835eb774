using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Tests.TestKit;
using Microsoft.DurableTask;

namespace FunctionsOpt.Orchestration.Tests.Durable;

public sealed class PublishRunEventActivityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 5, 12, 0, 0, TimeSpan.Zero);

    private sealed class Context(string instanceId) : TaskActivityContext
    {
        public override TaskName Name => nameof(PublishRunEventActivity);

        public override string InstanceId => instanceId;
    }

    private static RunEvent Event(RunEventKind kind, int step, double seconds) =>
        new() { Kind = kind, RunId = "run-x", Time = T0.AddSeconds(seconds), Step = step, Status = RunStatus.Searching };

    [Fact]
    public async Task RunAsync_ProgressEveryTwoSecondsWithTenSecondThrottle_PublishesStartOneRungPerIntervalAndEnd()
    {
        var publisher = new RecordingRunEventPublisher();
        var activity = new PublishRunEventActivity(publisher, new RunProgressThrottle(TimeSpan.FromSeconds(10)));
        var context = new Context("run-x");
        RunEvent[] events =
        [
            Event(RunEventKind.RunStarted, 0, 0),
            .. Enumerable.Range(1, 12).Select(step => Event(RunEventKind.RunProgress, step, 2 * step)),
            Event(RunEventKind.RunCompleted, 0, 30),
        ];

        var results = new List<bool>();
        foreach (var e in events)
        {
            results.Add(await activity.RunAsync(context, e));
        }

        // Rungs at 2, 4, ..., 24 s: the first (2 s) passes, then the first at least 10 s after it (12 s), then 22 s.
        Assert.Equal(["run-x/started", "run-x/progress/1", "run-x/progress/6", "run-x/progress/11", "run-x/completed"], publisher.Events.Select(e => e.EventId));
        Assert.Equal(publisher.Events.Count, results.Count(r => r));
    }

    [Fact]
    public async Task RunAsync_PublisherThrows_PropagatesAndLeavesTheRungUnmarked()
    {
        var throttle = new RunProgressThrottle(TimeSpan.Zero);
        var failing = new PublishRunEventActivity(new ThrowingPublisher(), throttle);
        var progress = Event(RunEventKind.RunProgress, 1, 0);

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.RunAsync(new Context("run-x"), progress));

        // The orchestrator's retry of the same rung is published.
        var publisher = new RecordingRunEventPublisher();
        Assert.True(await new PublishRunEventActivity(publisher, throttle).RunAsync(new Context("run-x"), progress));
        Assert.Single(publisher.Events);
    }

    private sealed class ThrowingPublisher : IRunEventPublisher
    {
        public Task PublishAsync(RunEvent runEvent, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("topic unavailable");
    }
}
