using System.Globalization;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// Agreement between a reference and a candidate output of the same shape (row-major rows x columns):
/// <list type="bullet">
/// <item>Top-1 agreement: equal arg-max (lowest index wins ties) along the class axis, the last axis of the output.
/// For a [N, classes] output that is one comparison per row; for sequence and map outputs ([N, T, classes],
/// [N, H, W, classes]) one per position, never one arg-max over a sample's flattened output (which would compare a
/// single token of a whole sequence). With one class value, both sides are thresholded (positive when above 0.5 for
/// probabilities, above 0 for logits) and the classes compared.</item>
/// <item>Cosine similarity per row on the raw values; a zero row is similar to another zero row (1) and to
/// nothing else (0), because a dead output row next to a live one is a total disagreement.</item>
/// <item>Absolute differences, RMSE and RMSE relative to the reference's RMS over all raw values.</item>
/// <item>KL(reference || candidate) per row, averaged: probabilities are used as given, logits go through
/// softmax (sigmoid, as a Bernoulli pair, for one column); both sides are clipped to at least 1e-12 and not
/// renormalised, so the candidate's own normalisation error shows.</item>
/// </list>
/// The score kind is resolved on the reference and applied to both. Pure and thread-safe.
/// </summary>
public static class FidelityMetrics
{
    /// <summary>Lower clip for probabilities in the KL divergence, so a zero probability cannot make it infinite.</summary>
    public const double KlEpsilon = 1e-12;

    /// <summary>Compares <paramref name="candidate"/> with <paramref name="reference"/>.</summary>
    /// <param name="reference">The trusted output, row-major.</param>
    /// <param name="candidate">The output under test, row-major, same shape.</param>
    /// <param name="rows">Number of rows (at least 1).</param>
    /// <param name="columns">Values per row (at least 1).</param>
    /// <param name="outputKind">What the outputs are; Auto detects from the reference.</param>
    /// <param name="classes">Size of the class axis (the output's last axis); 0 or <paramref name="columns"/> for a plain [N, classes] output. Must divide <paramref name="columns"/>.</param>
    /// <exception cref="InvalidEvaluationRequestException">
    /// A length does not match the shape, a value is not finite, or the reference was declared as probabilities
    /// and is not.
    /// </exception>
    public static FidelityReport Compute(
        ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate, int rows, int columns, ScoreKind outputKind = ScoreKind.Auto, int classes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        classes = classes == 0 ? columns : classes;
        if (columns % classes != 0)
        {
            throw new InvalidEvaluationRequestException(string.Create(
                CultureInfo.InvariantCulture,
                $"The class axis has {classes} values, which does not divide the {columns} values per row; score an output whose last axis is the class axis."));
        }
        var expected = (long)rows * columns;
        if (reference.Length != expected || candidate.Length != expected)
        {
            throw new InvalidEvaluationRequestException(string.Create(
                CultureInfo.InvariantCulture,
                $"Length mismatch: {rows} rows x {columns} columns need {expected} values but the reference has {reference.Length} and the candidate {candidate.Length}."));
        }

        ScoreMath.RequireFinite(reference, columns, "Reference outputs");
        ScoreMath.RequireFinite(candidate, columns, "Candidate outputs");
        // Score kind, top-1 and KL work on distributions over the class axis, so they see one row per position.
        var positions = expected / classes;
        var positionRows = checked((int)positions);
        var resolution = ScoreKindDetector.Resolve(reference, positionRows, classes, outputKind);
        var kind = resolution.Kind;

        long agreeing = 0;
        for (var i = 0; i < positionRows; i++)
        {
            if (TopClass(reference.Slice(i * classes, classes), kind) == TopClass(candidate.Slice(i * classes, classes), kind))
            {
                agreeing++;
            }
        }

        double cosineSum = 0, cosineMin = double.MaxValue, absSum = 0, squaredSum = 0, absMax = 0, referenceSquaredSum = 0;
        for (var r = 0; r < rows; r++)
        {
            var a = reference.Slice(r * columns, columns);
            var b = candidate.Slice(r * columns, columns);
            double dot = 0, normA = 0, normB = 0;
            for (var j = 0; j < columns; j++)
            {
                double x = a[j], z = b[j];
                dot += x * z;
                normA += x * x;
                normB += z * z;
                var diff = Math.Abs(x - z);
                absSum += diff;
                squaredSum += diff * diff;
                absMax = Math.Max(absMax, diff);
            }

            var cosine = normA == 0 || normB == 0
                ? (normA == 0 && normB == 0 ? 1.0 : 0.0)
                : Math.Clamp(dot / (Math.Sqrt(normA) * Math.Sqrt(normB)), -1.0, 1.0);
            cosineSum += cosine;
            cosineMin = Math.Min(cosineMin, cosine);
            referenceSquaredSum += normA;
        }

        var p = ScoreMath.ToProbabilities(reference, positionRows, classes, kind);
        var q = ScoreMath.ToProbabilities(candidate, positionRows, classes, kind);
        double klSum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var pi = Math.Max(p[i], KlEpsilon);
            var qi = Math.Max(q[i], KlEpsilon);
            klSum += pi * Math.Log(pi / qi);
        }

        return new FidelityReport
        {
            RowCount = rows,
            ColumnCount = columns,
            ClassCount = classes,
            PositionCount = positions,
            ScoreKind = resolution,
            AgreeingRows = agreeing,
            Top1Agreement = agreeing / (double)positions,
            MeanCosineSimilarity = cosineSum / rows,
            MinCosineSimilarity = cosineMin,
            MaxAbsoluteDifference = absMax,
            MeanAbsoluteDifference = absSum / expected,
            RootMeanSquaredError = Math.Sqrt(squaredSum / expected),
            RelativeRms = referenceSquaredSum == 0 ? (squaredSum == 0 ? 0 : 1) : Math.Sqrt(squaredSum / referenceSquaredSum),
            KlDivergence = klSum / positions,
            KlDivergenceBasis = (classes, kind) switch
            {
                (1, ScoreKind.Logits) => "sigmoid applied to both outputs (logits); compared as Bernoulli distributions [1-p, p]",
                (1, _) => "outputs used as positive-class probabilities; compared as Bernoulli distributions [1-p, p]",
                (_, ScoreKind.Logits) => "softmax applied to both outputs (logits)",
                _ => "outputs used as probabilities as given (not renormalised)",
            },
        };
    }

    private static int TopClass(ReadOnlySpan<float> row, ScoreKind kind)
    {
        if (row.Length == 1)
        {
            var threshold = kind == ScoreKind.Logits ? 0f : 0.5f;
            return row[0] > threshold ? 1 : 0;
        }

        return ScoreMath.ArgMax(row);
    }
}
