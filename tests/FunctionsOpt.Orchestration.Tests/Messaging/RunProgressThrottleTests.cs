using FunctionsOpt.Orchestration.Messaging;

namespace FunctionsOpt.Orchestration.Tests.Messaging;

public sealed class RunProgressThrottleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 5, 12, 0, 0, TimeSpan.Zero);

    private static RunEvent Progress(int step, double seconds, string runId = "run-a") =>
        new() { Kind = RunEventKind.RunProgress, RunId = runId, Time = T0.AddSeconds(seconds), Step = step, Rung = step - 1 };

    /// <summary>Offers each event in turn, marking the published ones, and returns the steps that were published.</summary>
    private static List<int> Publish(RunProgressThrottle throttle, params RunEvent[] events)
    {
        var published = new List<int>();
        foreach (var e in events)
        {
            if (throttle.ShouldPublish(e))
            {
                throttle.MarkPublished(e);
                published.Add(e.Step);
            }
        }

        return published;
    }

    [Fact]
    public void ShouldPublish_RungsCloserThanTheInterval_KeepsTheFirstOfEachInterval()
    {
        var throttle = new RunProgressThrottle(TimeSpan.FromSeconds(10));

        // Rungs at 0, 3, 9, 10, 12, 25 s: 0 passes, 3 and 9 are within 10 s of it, 10 is exactly 10 s later,
        // 12 is within 10 s of 10, 25 is 15 s after 10.
        var published = Publish(throttle, Progress(1, 0), Progress(2, 3), Progress(3, 9), Progress(4, 10), Progress(5, 12), Progress(6, 25));

        Assert.Equal([1, 4, 6], published);
    }

    [Fact]
    public void ShouldPublish_SameRungAgain_IsRefusedEvenAfterTheInterval()
    {
        var throttle = new RunProgressThrottle(TimeSpan.Zero);

        var published = Publish(throttle, Progress(1, 0), Progress(1, 0), Progress(1, 60), Progress(2, 60));

        Assert.Equal([1, 2], published);
    }

    [Fact]
    public void ShouldPublish_ZeroInterval_PublishesEveryRung()
    {
        var throttle = new RunProgressThrottle(TimeSpan.Zero);

        var published = Publish(throttle, Progress(1, 0), Progress(2, 0), Progress(3, 0.5));

        Assert.Equal([1, 2, 3], published);
    }

    [Fact]
    public void ShouldPublish_NotMarked_AsksAgain()
    {
        var throttle = new RunProgressThrottle(TimeSpan.FromSeconds(10));
        throttle.MarkPublished(Progress(1, 0));

        // A publish that failed is not marked, so its retry is still allowed.
        Assert.True(throttle.ShouldPublish(Progress(2, 11)));
        Assert.True(throttle.ShouldPublish(Progress(2, 11)));
    }

    [Fact]
    public void ShouldPublish_OtherRuns_AreThrottledSeparately()
    {
        var throttle = new RunProgressThrottle(TimeSpan.FromSeconds(10));

        var published = Publish(throttle, Progress(1, 0, "run-a"), Progress(1, 1, "run-b"), Progress(2, 2, "run-a"), Progress(2, 12, "run-b"));

        Assert.Equal([1, 1, 2], published);
    }

    [Theory]
    [InlineData(RunEventKind.RunStarted)]
    [InlineData(RunEventKind.RunCompleted)]
    [InlineData(RunEventKind.RunFailed)]
    public void ShouldPublish_OtherKinds_AlwaysPass(RunEventKind kind)
    {
        var throttle = new RunProgressThrottle(TimeSpan.FromHours(1));
        throttle.MarkPublished(Progress(1, 0));

        Assert.True(throttle.ShouldPublish(new RunEvent { Kind = kind, RunId = "run-a", Time = T0 }));
    }

    [Fact]
    public void MarkPublished_TerminalEvent_ForgetsTheRun()
    {
        var throttle = new RunProgressThrottle(TimeSpan.FromHours(1));
        throttle.MarkPublished(Progress(5, 0));

        throttle.MarkPublished(new RunEvent { Kind = RunEventKind.RunCompleted, RunId = "run-a", Time = T0 });

        // A re-run of the same id starts from scratch: its first rung passes again.
        Assert.True(throttle.ShouldPublish(Progress(1, 1)));
    }

    [Fact]
    public void Constructor_NegativeInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunProgressThrottle(TimeSpan.FromSeconds(-1)));
    }
}
