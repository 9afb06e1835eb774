namespace FunctionsOpt.Core.Passes.Pruning;

/// <summary>
/// Which weights magnitude pruning removes. Deterministic: ties in magnitude are broken by position (earlier
/// tensors, then lower flat index, are pruned first), so identical inputs give identical masks.
/// </summary>
internal static class SparsityMasks
{
    /// <summary>The number of weights to prune for a fraction: round half away from zero.</summary>
    public static long TargetCount(long total, double sparsity) => (long)Math.Round(sparsity * total, MidpointRounding.AwayFromZero);

    /// <summary>
    /// Masks (true = prune) selecting the <paramref name="count"/> smallest magnitudes across all
    /// <paramref name="tensors"/> together. One tensor gives per-layer pruning; several give one global threshold.
    /// </summary>
    public static bool[][] Smallest(IReadOnlyList<float[]> tensors, long count)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var masks = tensors.Select(t => new bool[t.Length]).ToArray();
        var total = tensors.Sum(t => (long)t.Length);
        if (count <= 0 || total == 0)
        {
            return masks;
        }

        count = Math.Min(count, total);
        var magnitudes = new float[total];
        long offset = 0;
        foreach (var t in tensors)
        {
            for (var i = 0; i < t.Length; i++)
            {
                magnitudes[offset + i] = Math.Abs(t[i]);
            }

            offset += t.Length;
        }

        Array.Sort(magnitudes);
        var threshold = magnitudes[count - 1];

        // Everything strictly below the threshold goes; ties at the threshold go in position order until count.
        long pruned = 0;
        for (var l = 0; l < tensors.Count; l++)
        {
            var t = tensors[l];
            for (var i = 0; i < t.Length; i++)
            {
                if (Math.Abs(t[i]) < threshold)
                {
                    masks[l][i] = true;
                    pruned++;
                }
            }
        }

        for (var l = 0; l < tensors.Count && pruned < count; l++)
        {
            var t = tensors[l];
            for (var i = 0; i < t.Length && pruned < count; i++)
            {
                if (Math.Abs(t[i]) == threshold)
                {
                    masks[l][i] = true;
                    pruned++;
                }
            }
        }

        return masks;
    }

    /// <summary>
    /// N:M mask (true = prune) for one layer: in each group of <paramref name="m"/> consecutive columns of every row
    /// (see <see cref="WeightLayer"/> for the column order) the <c>m - n</c> smallest magnitudes are pruned, so at
    /// most <paramref name="n"/> weights per group stay non-zero. The caller checks the group axis divides by m.
    /// </summary>
    public static bool[] NOfM(WeightLayer layer, float[] flat, int n, int m)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(flat);
        var mask = new bool[flat.Length];
        var order = new int[m];
        var keys = new float[m];
        for (var o = 0; o < layer.Outputs; o++)
        {
            for (var g = 0; g < layer.Inputs; g += m)
            {
                for (var j = 0; j < m; j++)
                {
                    order[j] = layer.FlatIndex(o, g + j);
                    keys[j] = Math.Abs(flat[order[j]]);
                }

                // Insertion sort by (magnitude, position in group): m is small.
                var positions = Enumerable.Range(0, m).ToArray();
                for (var a = 1; a < m; a++)
                {
                    var p = positions[a];
                    var b = a - 1;
                    while (b >= 0 && (keys[positions[b]] > keys[p] || (keys[positions[b]] == keys[p] && positions[b] > p)))
                    {
                        positions[b + 1] = positions[b];
                        b--;
                    }

                    positions[b + 1] = p;
                }

                for (var j = 0; j < m - n; j++)
                {
                    mask[order[positions[j]]] = true;
                }
            }
        }

        return mask;
    }
}
