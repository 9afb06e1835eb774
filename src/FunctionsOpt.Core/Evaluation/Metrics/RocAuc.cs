namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// Binary ROC AUC through the Mann-Whitney U statistic with average ranks for tied scores. Tied scores count as
/// half a correct ordering, which is exactly the area scikit-learn's trapezoidal roc_auc_score gives.
/// </summary>
internal static class RocAuc
{
    /// <summary>AUC, or null when <paramref name="isPositive"/> lacks positives or negatives.</summary>
    public static double? Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> isPositive)
    {
        var n = scores.Length;
        var keys = scores.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);

        long positives = 0;
        double positiveRankSum = 0;
        var start = 0;
        while (start < n)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            // Rows start..end-1 share one score: each gets the mean of the 1-based ranks start+1..end.
            var averageRank = (start + 1 + end) / 2.0;
            for (var i = start; i < end; i++)
            {
                if (isPositive[order[i]])
                {
                    positives++;
                    positiveRankSum += averageRank;
                }
            }

            start = end;
        }

        long negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        var u = positiveRankSum - (positives * (positives + 1) / 2.0);
        return u / ((double)positives * negatives);
    }
}
