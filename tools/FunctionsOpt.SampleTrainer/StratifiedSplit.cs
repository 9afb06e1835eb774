namespace FunctionsOpt.SampleTrainer;

/// <summary>Result of a stratified split; both lists keep the source order of the rows.</summary>
internal sealed record SplitResult(IReadOnlyList<PenguinRow> Train, IReadOnlyList<PenguinRow> Eval);

internal static class StratifiedSplit
{
    /// <summary>
    /// Splits each class separately: its rows (in source order) are shuffled with the generator, the first
    /// round(count * trainFraction) go to training and the rest to evaluation. Classes are visited in class-id order
    /// so that the generator's sequence is consumed in a fixed order.
    /// </summary>
    public static SplitResult Split(IReadOnlyList<PenguinRow> rows, int classCount, double trainFraction, SplitMix64 rng)
    {
        if (trainFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), "Must be strictly between 0 and 1.");
        }

        var train = new List<PenguinRow>();
        var eval = new List<PenguinRow>();
        for (int c = 0; c < classCount; c++)
        {
            var members = rows.Where(r => r.ClassId == c).ToList();
            rng.Shuffle(members);
            int trainCount = (int)Math.Round(members.Count * trainFraction, MidpointRounding.AwayFromZero);
            if (trainCount == 0 || trainCount == members.Count)
            {
                throw new InvalidOperationException(
                    $"Class {c} has {members.Count} rows: too few to put some in both training and evaluation.");
            }

            train.AddRange(members.Take(trainCount));
            eval.AddRange(members.Skip(trainCount));
        }

        return new SplitResult(
            train.OrderBy(r => r.SourceIndex).ToList(),
            eval.OrderBy(r => r.SourceIndex).ToList());
    }
}
