using FunctionsOpt.Core.Data;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class SplitMix64Tests
{
    [Fact]
    public void Next_Seed1234567_MatchesReferenceSequence()
    {
        // Outputs of Vigna's splitmix64.c for seed 1234567.
        var rng = new SplitMix64(1234567);

        Assert.Equal(
            [6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL],
            Enumerable.Range(0, 5).Select(_ => rng.Next()).ToArray());
    }

    [Fact]
    public void NextBelow_AnyBound_StaysInRange()
    {
        var rng = new SplitMix64(7);

        Assert.All(Enumerable.Range(0, 1000).Select(_ => rng.NextBelow(3)), v => Assert.InRange(v, 0UL, 2UL));
    }

    [Fact]
    public void Shuffle_Seed42_MatchesPythonMirror()
    {
        // Computed by an independent Python transcription of SplitMix64 + Fisher-Yates from the end.
        var items = Enumerable.Range(0, 10).ToArray();

        new SplitMix64(42).Shuffle(items);

        Assert.Equal([0, 9, 5, 8, 6, 4, 7, 2, 1, 3], items);
    }
}
