using FunctionsOpt.Core.Data;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class DatasetSamplerTests
{
    /// <summary>Rows 0..N-1 with feature = row index, so a selected row's origin can be read back from its value.</summary>
    private static EvaluationDataset Indexed(int count, long[]? labels = null) => new(
        new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats(Enumerable.Range(0, count).Select(i => (float)i).ToArray(), count, 1) },
        labels is null ? null : DataArray.FromInt64s(labels, labels.Length));

    /// <summary>60 rows of class 0, 30 of class 1, 10 of class 2, interleaved so classes are not contiguous.</summary>
    private static long[] Labels60_30_10() => Enumerable.Range(0, 100).Select(i => i % 10 == 9 ? 2L : i % 10 >= 6 ? 1L : 0L).ToArray();

    private static int[] Rows(EvaluationDataset dataset) => ((float[])dataset.Inputs["x"].Data).Select(v => (int)v).ToArray();

    private static int[] ClassCounts(IEnumerable<int> rows, long[] labels) =>
        [rows.Count(r => labels[r] == 0), rows.Count(r => labels[r] == 1), rows.Count(r => labels[r] == 2)];

    [Fact]
    public void SubsampleIndices_Seed42_MatchesIndependentPermutation()
    {
        Assert.Equal([0, 9, 5, 8], DatasetSampler.SubsampleIndices(10, 4, 42));
    }

    [Fact]
    public void SubsampleIndices_SameSeed_SameIndices()
    {
        Assert.Equal(DatasetSampler.SubsampleIndices(1000, 50, 7), DatasetSampler.SubsampleIndices(1000, 50, 7));
    }

    [Fact]
    public void SubsampleIndices_DifferentSeeds_DifferentIndices()
    {
        Assert.NotEqual(DatasetSampler.SubsampleIndices(1000, 50, 7), DatasetSampler.SubsampleIndices(1000, 50, 8));
    }

    [Fact]
    public void SubsampleIndices_GrowingBudgets_SmallerIsPrefixOfLarger()
    {
        var small = DatasetSampler.SubsampleIndices(500, 10, 3);
        var medium = DatasetSampler.SubsampleIndices(500, 90, 3);
        var large = DatasetSampler.SubsampleIndices(500, 500, 3);

        Assert.Equal(small, medium.Take(10));
        Assert.Equal(medium, large.Take(90));
        Assert.Equal(Enumerable.Range(0, 500), large.Order());
    }

    [Fact]
    public void Subsample_Count_SelectsThoseRows()
    {
        var sample = DatasetSampler.Subsample(Indexed(10), 4, 42);

        Assert.Equal([0, 9, 5, 8], Rows(sample));
    }

    [Fact]
    public void Subsample_CountAboveRows_ReturnsEveryRow()
    {
        Assert.Equal(10, DatasetSampler.Subsample(Indexed(10), 50, 1).Count);
    }

    [Theory]
    [InlineData(0.25, 3)]
    [InlineData(0.001, 1)]
    [InlineData(1.0, 10)]
    public void Subsample_Fraction_TakesCeilingAtLeastOne(double fraction, int expected)
    {
        Assert.Equal(expected, DatasetSampler.Subsample(Indexed(10), fraction, 5).Count);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Subsample_FractionOutOfRange_Throws(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSampler.Subsample(Indexed(10), fraction, 5));
    }

    [Fact]
    public void StratifiedSubsampleIndices_TenOfHundred_KeepsClassProportions()
    {
        var labels = Labels60_30_10();

        var rows = DatasetSampler.StratifiedSubsampleIndices(Indexed(100, labels), 10, 11);

        Assert.Equal([6, 3, 1], ClassCounts(rows, labels));
    }

    [Fact]
    public void StratifiedSubsampleIndices_EveryPrefix_WithinOneOfProportionalShare()
    {
        var labels = Labels60_30_10();
        var rows = DatasetSampler.StratifiedSubsampleIndices(Indexed(100, labels), 100, 11);

        for (var m = 1; m <= 100; m++)
        {
            var counts = ClassCounts(rows.Take(m), labels);
            Assert.InRange(counts[0], (0.6 * m) - 1, (0.6 * m) + 1);
            Assert.InRange(counts[1], (0.3 * m) - 1, (0.3 * m) + 1);
            Assert.InRange(counts[2], (0.1 * m) - 1, (0.1 * m) + 1);
        }
    }

    [Fact]
    public void StratifiedSubsampleIndices_GrowingBudgets_NestedAndDeterministic()
    {
        var dataset = Indexed(100, Labels60_30_10());

        var small = DatasetSampler.StratifiedSubsampleIndices(dataset, 20, 5);
        var large = DatasetSampler.StratifiedSubsampleIndices(dataset, 50, 5);

        Assert.Equal(small, large.Take(20));
        Assert.Equal(large, DatasetSampler.StratifiedSubsampleIndices(dataset, 50, 5));
        Assert.NotEqual(large, DatasetSampler.StratifiedSubsampleIndices(dataset, 50, 6));
        Assert.Equal([12, 6, 2], ClassCounts(small, Labels60_30_10()));
    }

    [Fact]
    public void StratifiedSubsample_Fraction_SelectsRowsInStratifiedOrder()
    {
        var dataset = Indexed(100, Labels60_30_10());

        var sample = DatasetSampler.StratifiedSubsample(dataset, 0.1, 9);

        Assert.Equal(DatasetSampler.StratifiedSubsampleIndices(dataset, 10, 9), Rows(sample));
        Assert.Equal([6, 3, 1], ClassCounts(Rows(sample), Labels60_30_10()));
    }

    [Fact]
    public void StratifiedSubsampleIndices_NoLabels_FallsBackToPlainSubsample()
    {
        Assert.Equal(DatasetSampler.SubsampleIndices(30, 7, 4), DatasetSampler.StratifiedSubsampleIndices(Indexed(30), 7, 4));
    }

    [Fact]
    public void StratifiedSplit_FifthForCalibration_KeepsProportionsDisjointAndCovering()
    {
        var labels = Labels60_30_10();

        var split = DatasetSampler.StratifiedSplit(Indexed(100, labels), 0.2, 13);

        Assert.Equal([12, 6, 2], ClassCounts(split.CalibrationIndices, labels));
        Assert.Equal([48, 24, 8], ClassCounts(split.EvaluationIndices, labels));
        Assert.Empty(split.CalibrationIndices.Intersect(split.EvaluationIndices));
        Assert.Equal(Enumerable.Range(0, 100), split.CalibrationIndices.Concat(split.EvaluationIndices).Order());
        Assert.Equal(split.CalibrationIndices, Rows(split.Calibration));
        Assert.Equal(split.EvaluationIndices, Rows(split.Evaluation));
    }

    [Fact]
    public void StratifiedSplit_SmallClasses_TwoSampleClassInBothPartsSingletonInEvaluation()
    {
        long[] labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2];

        var split = DatasetSampler.StratifiedSplit(Indexed(11, labels), 0.1, 2);

        // Class 0: round(0.8) = 1; class 1: round(0.2) = 0, raised to 1 so both parts see it; class 2 has one row.
        Assert.Equal([1, 1, 0], ClassCounts(split.CalibrationIndices, labels));
        Assert.Equal([7, 1, 1], ClassCounts(split.EvaluationIndices, labels));
    }

    [Fact]
    public void StratifiedSplit_SameSeed_SameSplit()
    {
        var dataset = Indexed(100, Labels60_30_10());

        Assert.Equal(DatasetSampler.StratifiedSplit(dataset, 0.3, 1).CalibrationIndices, DatasetSampler.StratifiedSplit(dataset, 0.3, 1).CalibrationIndices);
        Assert.NotEqual(DatasetSampler.StratifiedSplit(dataset, 0.3, 1).CalibrationIndices, DatasetSampler.StratifiedSplit(dataset, 0.3, 2).CalibrationIndices);
    }

    [Fact]
    public void StratifiedSplit_Unlabeled_SplitsByRoundedFraction()
    {
        var split = DatasetSampler.StratifiedSplit(Indexed(10), 0.3, 8);

        Assert.Equal(3, split.CalibrationIndices.Count);
        Assert.Equal(7, split.EvaluationIndices.Count);
        Assert.Equal(Enumerable.Range(0, 10), split.CalibrationIndices.Concat(split.EvaluationIndices).Order());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void StratifiedSplit_FractionNotStrictlyInside_Throws(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSampler.StratifiedSplit(Indexed(10), fraction, 1));
    }
}
