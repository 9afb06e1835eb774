using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Data;

/// <summary>A dataset split in two disjoint parts that together hold every row.</summary>
public sealed class DatasetSplit
{
    /// <summary>Creates the split.</summary>
    public DatasetSplit(EvaluationDataset calibration, EvaluationDataset evaluation, IReadOnlyList<int> calibrationIndices, IReadOnlyList<int> evaluationIndices)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(calibrationIndices);
        ArgumentNullException.ThrowIfNull(evaluationIndices);
        Calibration = calibration;
        Evaluation = evaluation;
        CalibrationIndices = calibrationIndices;
        EvaluationIndices = evaluationIndices;
    }

    /// <summary>Rows for calibration (for example static quantization).</summary>
    public EvaluationDataset Calibration { get; }

    /// <summary>Rows for evaluation.</summary>
    public EvaluationDataset Evaluation { get; }

    /// <summary>Row indices of <see cref="Calibration"/> in the source dataset, ascending.</summary>
    public IReadOnlyList<int> CalibrationIndices { get; }

    /// <summary>Row indices of <see cref="Evaluation"/> in the source dataset, ascending.</summary>
    public IReadOnlyList<int> EvaluationIndices { get; }
}

/// <summary>
/// Deterministic, seeded row sampling. The same seed always selects the same rows, on any platform and runtime.
/// Subsamples are nested: for one seed, a smaller budget's rows are a prefix of a larger budget's rows, so
/// successive Hyperband rungs evaluate supersets. Stratified variants use integer class labels (int64, int32,
/// uint8 or bool, shape [N] or [N,1]); for unlabeled or regression data they fall back to plain sampling.
/// Thread-safe (stateless).
/// </summary>
public static class DatasetSampler
{
    /// <summary>The first <paramref name="count"/> rows (capped at N) of the seed's random row order.</summary>
    public static IReadOnlyList<int> SubsampleIndices(int rowCount, int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var order = Enumerable.Range(0, rowCount).ToArray();
        new SplitMix64((ulong)seed).Shuffle(order);
        return order[..Math.Min(count, rowCount)];
    }

    /// <summary><paramref name="count"/> rows (capped at N) chosen by <paramref name="seed"/>, nested across budgets.</summary>
    public static EvaluationDataset Subsample(EvaluationDataset dataset, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Select(SubsampleIndices(dataset.Count, count, seed));
    }

    /// <summary>ceil(<paramref name="fraction"/> × N) rows, at least 1; <paramref name="fraction"/> is in (0, 1].</summary>
    public static EvaluationDataset Subsample(EvaluationDataset dataset, double fraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Subsample(dataset, CountFor(dataset.Count, fraction), seed);
    }

    /// <summary>
    /// The first <paramref name="count"/> rows (capped at N) of a class-interleaved random order: every prefix holds
    /// each class within one row of its share of the dataset, so class proportions are kept at every budget.
    /// </summary>
    public static IReadOnlyList<int> StratifiedSubsampleIndices(EvaluationDataset dataset, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var classes = ClassRows(dataset);
        if (classes is null)
        {
            return SubsampleIndices(dataset.Count, count, seed);
        }

        var rng = new SplitMix64((ulong)seed);
        foreach (var rows in classes.Values)
        {
            rng.Shuffle(rows);
        }

        return InterleavedOrder(classes, Math.Min(count, dataset.Count));
    }

    /// <summary>A stratified, nested subsample of <paramref name="count"/> rows (capped at N).</summary>
    public static EvaluationDataset StratifiedSubsample(EvaluationDataset dataset, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Select(StratifiedSubsampleIndices(dataset, count, seed));
    }

    /// <summary>A stratified, nested subsample of ceil(<paramref name="fraction"/> × N) rows, at least 1.</summary>
    public static EvaluationDataset StratifiedSubsample(EvaluationDataset dataset, double fraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return StratifiedSubsample(dataset, CountFor(dataset.Count, fraction), seed);
    }

    /// <summary>
    /// Splits every row into calibration and evaluation parts. With class labels each class contributes
    /// round(<paramref name="calibrationFraction"/> × its count) rows to calibration, clamped so that a class with two
    /// or more rows appears in both parts (a single-row class goes to evaluation). Without class labels the split
    /// is random with round(fraction × N) calibration rows, clamped to [1, N-1].
    /// </summary>
    public static DatasetSplit StratifiedSplit(EvaluationDataset dataset, double calibrationFraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(calibrationFraction > 0 && calibrationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(calibrationFraction), calibrationFraction, "The calibration fraction must be strictly between 0 and 1.");
        }

        if (dataset.Count < 2)
        {
            throw new ArgumentException("A split needs at least two rows.", nameof(dataset));
        }

        var rng = new SplitMix64((ulong)seed);
        var calibration = new List<int>();
        var evaluation = new List<int>();
        var classes = ClassRows(dataset) ?? new SortedDictionary<long, int[]> { [0] = Enumerable.Range(0, dataset.Count).ToArray() };
        var stratified = classes.Count > 1 || dataset.Labels is not null;
        foreach (var rows in classes.Values)
        {
            rng.Shuffle(rows);
            var take = rows.Length < 2 && stratified
                ? 0
                : Math.Clamp((int)Math.Round(calibrationFraction * rows.Length, MidpointRounding.AwayFromZero), 1, rows.Length - 1);
            calibration.AddRange(rows[..take]);
            evaluation.AddRange(rows[take..]);
        }

        calibration.Sort();
        evaluation.Sort();
        return new DatasetSplit(dataset.Select(calibration), dataset.Select(evaluation), calibration, evaluation);
    }

    private static int CountFor(int rowCount, double fraction)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction must be in (0, 1].");
        }

        return Math.Max(1, (int)Math.Ceiling(fraction * rowCount));
    }

    /// <summary>Row indices per class value (ascending class, ascending row), or null without integer class labels.</summary>
    private static SortedDictionary<long, int[]>? ClassRows(EvaluationDataset dataset)
    {
        var labels = dataset.Labels;
        if (labels is null || labels.RowSize != 1
            || labels.ElementType is not (TensorElementKind.Int64 or TensorElementKind.Int32 or TensorElementKind.UInt8 or TensorElementKind.Bool))
        {
            return null;
        }

        var ids = labels.ToInt64Array();
        var result = new SortedDictionary<long, int[]>();
        foreach (var group in Enumerable.Range(0, ids.Length).GroupBy(i => ids[i]))
        {
            result[group.Key] = group.ToArray();
        }

        return result;
    }

    /// <summary>
    /// Merges the per-class row lists so that class c's k-th row sits at "time" (2k+1)/(2·n_c) (Sainte-Laguë
    /// apportionment); taking rows in time order keeps every prefix proportional. Ties go to the lower class.
    /// </summary>
    private static int[] InterleavedOrder(SortedDictionary<long, int[]> classes, int count)
    {
        var lists = classes.Values.ToArray();
        var taken = new int[lists.Length];
        var queue = new PriorityQueue<int, (long Numerator, long Denominator, int Class)>(lists.Length, TimeComparer.Instance);
        for (var c = 0; c < lists.Length; c++)
        {
            queue.Enqueue(c, (1, 2L * lists[c].Length, c));
        }

        var result = new int[count];
        for (var i = 0; i < count; i++)
        {
            var c = queue.Dequeue();
            result[i] = lists[c][taken[c]++];
            if (taken[c] < lists[c].Length)
            {
                queue.Enqueue(c, ((2L * taken[c]) + 1, 2L * lists[c].Length, c));
            }
        }

        return result;
    }

    private sealed class TimeComparer : IComparer<(long Numerator, long Denominator, int Class)>
    {
        public static readonly TimeComparer Instance = new();

        public int Compare((long Numerator, long Denominator, int Class) x, (long Numerator, long Denominator, int Class) y)
        {
            // Exact fraction comparison; the products need more than 64 bits for very large classes.
            var byTime = ((Int128)x.Numerator * y.Denominator).CompareTo((Int128)y.Numerator * x.Denominator);
            return byTime != 0 ? byTime : x.Class.CompareTo(y.Class);
        }
    }
}
