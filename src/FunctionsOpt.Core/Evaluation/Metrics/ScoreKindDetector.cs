using System.Globalization;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>
/// Decides whether a row-major N x C score matrix holds probabilities or logits. Probabilities: every value in
/// [0,1] and, for C &gt; 1, every row sums to 1 within <see cref="RowSumTolerance"/>; a single column in [0,1] is
/// the probability of the positive class. Anything else is logits. Pure and thread-safe.
/// </summary>
public static class ScoreKindDetector
{
    /// <summary>
    /// How far a row sum may stray from 1 and still count as a probability row. Loose enough for float32 and
    /// float16 softmax outputs, tight enough that raw logits essentially never pass by accident.
    /// </summary>
    public const double RowSumTolerance = 1e-3;

    /// <summary>
    /// Resolves <paramref name="declared"/> against the values. A declared <see cref="ScoreKind.Logits"/> is taken
    /// as is; a declared <see cref="ScoreKind.Probabilities"/> is verified, because silently feeding logits into
    /// probability metrics gives plausible but wrong numbers.
    /// </summary>
    /// <param name="scores">Row-major scores, <paramref name="rows"/> x <paramref name="columns"/>.</param>
    /// <param name="rows">Number of rows (at least 1).</param>
    /// <param name="columns">Number of columns (at least 1).</param>
    /// <param name="declared">What the caller says the scores are.</param>
    /// <exception cref="InvalidEvaluationRequestException">
    /// The shape does not match the length, or <paramref name="declared"/> is Probabilities and a value lies
    /// outside [0,1] or a row does not sum to 1.
    /// </exception>
    public static ScoreKindResolution Resolve(ReadOnlySpan<float> scores, int rows, int columns, ScoreKind declared)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if ((long)rows * columns != scores.Length)
        {
            throw new InvalidEvaluationRequestException(string.Create(
                CultureInfo.InvariantCulture,
                $"Scores hold {scores.Length} values but {rows} rows x {columns} columns need {(long)rows * columns}."));
        }

        if (declared == ScoreKind.Logits)
        {
            return new ScoreKindResolution { Kind = ScoreKind.Logits, Source = ScoreKindSource.Declared, Reason = "declared as logits" };
        }

        var violation = FindProbabilityViolation(scores, rows, columns);
        if (declared == ScoreKind.Probabilities)
        {
            if (violation is not null)
            {
                throw new InvalidEvaluationRequestException(
                    $"Scores were declared as probabilities but {violation}. Declare them as logits (softmax will be applied) or use Auto detection.");
            }

            return new ScoreKindResolution
            {
                Kind = ScoreKind.Probabilities,
                Source = ScoreKindSource.Declared,
                Reason = "declared as probabilities; " + ProbabilityEvidence(columns),
            };
        }

        if (declared != ScoreKind.Auto)
        {
            throw new ArgumentOutOfRangeException(nameof(declared), declared, "Unknown score kind.");
        }

        return violation is null
            ? new ScoreKindResolution { Kind = ScoreKind.Probabilities, Source = ScoreKindSource.Detected, Reason = ProbabilityEvidence(columns) }
            : new ScoreKindResolution { Kind = ScoreKind.Logits, Source = ScoreKindSource.Detected, Reason = violation + "; treated as logits" };
    }

    private static string ProbabilityEvidence(int columns) => columns == 1
        ? "single column with every value in [0,1]: probability of the positive class"
        : "every value in [0,1] and rows sum to 1 within 1e-3";

    private static string? FindProbabilityViolation(ReadOnlySpan<float> scores, int rows, int columns)
    {
        for (var i = 0; i < scores.Length; i++)
        {
            var v = scores[i];
            if (!(v >= 0f && v <= 1f))
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"value {v:R} at row {i / columns}, column {i % columns} is outside [0,1]");
            }
        }

        if (columns == 1)
        {
            return null;
        }

        for (var r = 0; r < rows; r++)
        {
            double sum = 0;
            foreach (var v in scores.Slice(r * columns, columns))
            {
                sum += v;
            }

            if (Math.Abs(sum - 1.0) > RowSumTolerance)
            {
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"row {r} sums to {sum:G6}, not 1 within 1e-3");
            }
        }

        return null;
    }
}
