using FunctionsOpt.Core.Timing;
using FunctionsOpt.Core.Verdicts;

namespace FunctionsOpt.Core.Tests.Verdicts;

public sealed class VerdictSelectorTests
{
    // Scripted per-round timings of the original: a machine whose speed drifts by ±20 % over the session.
    private static readonly double[] Original = [1.00, 1.10, 0.90, 1.20, 0.95, 1.05, 0.85, 1.15, 1.00, 0.92, 1.08, 1.02, 0.98, 1.12, 0.88];

    private static SpeedupEstimate Scripted(Func<double, int, double> candidate) =>
        PairedBootstrap.RatioOfMedians(Original.Select((o, i) => candidate(o, i)).ToArray(), Original, seed: 9);

    // 30 % faster in every round, with ±3 % jitter of its own.
    private static SpeedupEstimate Faster => Scripted((o, i) => o * 0.7 * (i % 2 == 0 ? 1.03 : 0.97));

    // Alternately 6 % faster and 6 % slower: no measurable difference.
    private static SpeedupEstimate WithinNoise => Scripted((o, i) => o * (i % 2 == 0 ? 1.06 : 0.94));

    // 20 % slower in every round, with jitter.
    private static SpeedupEstimate Slower => Scripted((o, i) => o * 1.2 * (i % 3 == 0 ? 1.02 : 0.99));

    [Fact]
    public void ScriptedTimings_HaveTheIntendedIntervals()
    {
        Assert.True(Faster.IsFaster);
        Assert.True(WithinNoise.IsWithinNoise);
        Assert.True(Slower.IsSlower);
    }

    [Fact]
    public void Choose_MeasurablyFasterFinalist_RecommendsIt()
    {
        var verdict = VerdictSelector.Choose(VerdictGoal.Speed, 1000, [new("t1", true, false, 400, 2, Faster), new("t2", true, false, 900, 1, WithinNoise)]);

        Assert.Equal(VerdictKind.MeasurableGain, verdict.Kind);
        Assert.Equal("t1", verdict.RecommendedTrialId);
        Assert.Contains("faster than the original", verdict.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_OnlyWithinNoise_KeepsOriginalAndSaysNoMeasurableSpeedup()
    {
        var verdict = VerdictSelector.Choose(VerdictGoal.Speed, 1000, [new("t1", true, false, 400, 2, WithinNoise)]);

        Assert.Equal(VerdictKind.NoMeasurableGain, verdict.Kind);
        Assert.True(verdict.KeepsOriginal);
        Assert.StartsWith(VerdictSelector.NoMeasurableSpeedup, verdict.Headline, StringComparison.Ordinal);
        Assert.Contains("within noise", Assert.Single(verdict.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_MeasurablySlowerButSmallerAndLossless_NeverRecommended()
    {
        var verdict = VerdictSelector.Choose(VerdictGoal.Speed, 1000, [new("slow", true, true, 250, 1, Slower)]);

        Assert.Equal(VerdictKind.NoMeasurableGain, verdict.Kind);
        Assert.Null(verdict.RecommendedTrialId);
        Assert.Contains("slower", Assert.Single(verdict.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_WithinNoiseLosslessAndSmaller_RecommendsSmallestLosslessVariant()
    {
        var verdict = VerdictSelector.Choose(VerdictGoal.Speed, 1000, [new("lossy", true, false, 100, 1, WithinNoise), new("lossless", true, true, 250, 1, WithinNoise)]);

        Assert.Equal(VerdictKind.SmallerWithinNoise, verdict.Kind);
        Assert.Equal("lossless", verdict.RecommendedTrialId);
        Assert.Contains("4x smaller", verdict.Headline, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_TiedFasterFinalists_SmallerModelWins()
    {
        // Same scripted speed-up: the intervals overlap completely, so size decides; then fewer passes.
        var verdict = VerdictSelector.Choose(VerdictGoal.Speed, 1000, [new("big", true, false, 800, 1, Faster), new("small", true, false, 300, 3, Faster)]);
        Assert.Equal("small", verdict.RecommendedTrialId);

        var sameSize = VerdictSelector.Choose(VerdictGoal.Speed, 1000, [new("three", true, false, 300, 3, Faster), new("one", true, false, 300, 1, Faster)]);
        Assert.Equal("one", sameSize.RecommendedTrialId);
    }

    [Fact]
    public void Choose_FasterButMissesTheBar_KeepsOriginal()
    {
        var verdict = VerdictSelector.Choose(VerdictGoal.Speed, 1000, [new("t1", false, false, 100, 1, Faster)]);

        Assert.Equal(VerdictKind.NoneMeetsConstraints, verdict.Kind);
        Assert.True(verdict.KeepsOriginal);
    }

    [Fact]
    public void Choose_SizeObjective_SmallestMeetingTheBarWinsEvenWhenSlower()
    {
        var verdict = VerdictSelector.Choose(VerdictGoal.Size, 1000, [new("fp16", true, false, 500, 1, Slower), new("int8", true, false, 260, 1, WithinNoise)]);

        Assert.Equal("int8", verdict.RecommendedTrialId);
        Assert.Contains("3.85x smaller", verdict.Headline, StringComparison.Ordinal);
    }
}
