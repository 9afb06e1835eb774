using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Tests.TestKit;
using FunctionsOpt.Core.Timing;

namespace FunctionsOpt.Core.Tests.Timing;

public sealed class InterleavedTimerTests
{
    private static readonly string[] StopReasons = ["target", "time-cap", "max-rounds"];

    private static readonly TimingProtocolOptions Quick = new() { WarmupRuns = 2, MinRounds = 6, MaxRounds = 12, MaxSeconds = 5, BlockMilliseconds = 1, Seed = 5 };

    [Fact]
    public void Measure_OriginalAgainstItself_PairsEveryRoundAndReportsRatioWithInterval()
    {
        var settings = new SessionSettings { IntraOpThreads = 1 };
        TimedModel[] models = [new("original", TestPaths.PenguinsModel, settings, 1), new("copy", TestPaths.PenguinsModel, settings, 4)];

        var timing = new InterleavedTimer(new InferenceSessionFactory()).Measure(models, null, Quick);

        Assert.InRange(timing.Rounds, Quick.MinRounds, Quick.MaxRounds);
        Assert.Contains(timing.StoppedBy, StopReasons);
        Assert.Null(timing.Reference.P50VsReference);
        var copy = timing["copy"];
        Assert.Equal(4, copy.BatchSize);
        Assert.Equal(timing.Rounds, copy.RoundMedians.Count);
        Assert.Equal(timing.Rounds, timing.Reference.RoundMedians.Count);
        Assert.Equal(copy.RunsPerBlock * timing.Rounds, copy.Runs);
        var ratio = Assert.IsType<SpeedupEstimate>(copy.P50VsReference);
        Assert.Equal(PairedBootstrap.Median(copy.RoundMedians.ToArray()) / PairedBootstrap.Median(timing.Reference.RoundMedians.ToArray()), ratio.Ratio, 12);
        Assert.True(ratio.Low <= ratio.Ratio && ratio.Ratio <= ratio.High);
        Assert.True(copy.P50Ms <= copy.P95Ms);
        Assert.Equal(1, copy.IntraOpThreads);
        Assert.Equal("cpu", copy.Provider.Used);
    }

    [Fact]
    public void Measure_DuplicateKeys_Throws()
    {
        var settings = new SessionSettings();
        TimedModel[] models = [new("a", TestPaths.PenguinsModel, settings, 1), new("a", TestPaths.PenguinsModel, settings, 1)];

        Assert.Throws<ArgumentException>(() => new InterleavedTimer(new InferenceSessionFactory()).Measure(models, null, Quick));
    }
}
