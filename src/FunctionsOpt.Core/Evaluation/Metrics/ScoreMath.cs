using System.Globalization;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Evaluation.Metrics;

/// <summary>Numerics shared by the metric types. Everything runs in double, whatever the input precision.</summary>
internal static class ScoreMath
{
    /// <summary>
    /// A NaN or infinity would turn every aggregate into NaN, which System.Text.Json refuses to write; failing with
    /// the position is more useful to whoever records the trial.
    /// </summary>
    public static void RequireFinite(ReadOnlySpan<float> values, int columns, string what)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new InvalidEvaluationRequestException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{what} contain a non-finite value ({values[i]:R}) at row {i / columns}, column {i % columns}; metrics are undefined."));
            }
        }
    }

    /// <inheritdoc cref="RequireFinite(ReadOnlySpan{float}, int, string)"/>
    public static void RequireFinite(ReadOnlySpan<double> values, string what)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new InvalidEvaluationRequestException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{what} contain a non-finite value ({values[i]:R}) at index {i}; metrics are undefined."));
            }
        }
    }

    /// <summary>Index of the largest value; the lowest index wins a tie (as numpy.argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var j = 1; j < row.Length; j++)
        {
            if (row[j] > row[best])
            {
                best = j;
            }
        }

        return best;
    }

    /// <summary>Softmax of one row; subtracting the row maximum keeps exp from overflowing.</summary>
    public static void Softmax(ReadOnlySpan<float> row, Span<double> destination)
    {
        double max = row[ArgMax(row)];
        double sum = 0;
        for (var j = 0; j < row.Length; j++)
        {
            var e = Math.Exp(row[j] - max);
            destination[j] = e;
            sum += e;
        }

        for (var j = 0; j < row.Length; j++)
        {
            destination[j] /= sum;
        }
    }

    /// <summary>Natural log of the softmax probability of <paramref name="index"/>, without forming exp(x) first.</summary>
    public static double LogSoftmax(ReadOnlySpan<float> row, int index)
    {
        double max = row[ArgMax(row)];
        double sum = 0;
        foreach (var v in row)
        {
            sum += Math.Exp(v - max);
        }

        return row[index] - max - Math.Log(sum);
    }

    /// <summary>Logistic function, split by sign so neither branch overflows.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }

        var e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>ln(sigmoid(x)), stable for large |x|.</summary>
    public static double LogSigmoid(double x) => x >= 0
        ? -double.LogP1(Math.Exp(-x))
        : x - double.LogP1(Math.Exp(x));

    /// <summary>
    /// Rows of probabilities in double. Two or more columns: probabilities copied, logits through softmax.
    /// One column: expanded to [1 - p, p] (logits through sigmoid first), so callers see a two-class row.
    /// </summary>
    public static double[] ToProbabilities(ReadOnlySpan<float> scores, int rows, int columns, ScoreKind kind)
    {
        var width = columns == 1 ? 2 : columns;
        var result = new double[rows * width];
        for (var r = 0; r < rows; r++)
        {
            var row = scores.Slice(r * columns, columns);
            var target = result.AsSpan(r * width, width);
            if (columns == 1)
            {
                var p = kind == ScoreKind.Logits ? Sigmoid(row[0]) : row[0];
                target[0] = 1.0 - p;
                target[1] = p;
            }
            else if (kind == ScoreKind.Logits)
            {
                Softmax(row, target);
            }
            else
            {
                for (var j = 0; j < columns; j++)
                {
                    target[j] = row[j];
                }
            }
        }

        return result;
    }
}
