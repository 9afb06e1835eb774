using FunctionsOpt.Core.Passes.Compensation;

namespace FunctionsOpt.Core.Tests.Passes.Compensation;

public sealed class GptqRoundingTests
{
    [Fact]
    public void Round_DuplicateInputsAtHalfSteps_GptqExactWhereNearestErrs()
    {
        // Inputs x0 = x1 and weights [0.5, 0.5] on a grid of step 1: nearest rounds both halves to 0 (ties to even),
        // so the output x0·0.5 + x1·0.5 = x0 becomes 0. GPTQ rounds w0 to 0 and hands its error (0.5) to w1, whose
        // input is the same, so w1 = 1.0 rounds to 1 and x0·0 + x1·1 reproduces the output exactly.
        var random = new Random(3);
        var x = Enumerable.Range(0, 40).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var rows = x.Select(v => new[] { v, v }).ToArray();
        var upper = Factor(rows, 2, 1e-9);
        double[] w = [0.5, 0.5];

        var gptq = GptqRounding.Round((double[])w.Clone(), 1, 2, [1f], 127, upper);
        int[] nearest = [GptqRounding.Nearest(0.5, 1, 127), GptqRounding.Nearest(0.5, 1, 127)];

        Assert.Equal([0, 0], nearest);
        Assert.Equal([0, 1], gptq);
        Assert.Equal(0, OutputMse(rows, w, gptq, [1f], 2), 12);
        Assert.True(OutputMse(rows, w, nearest, [1f], 2) > 0.1);
    }

    [Fact]
    public void Round_CorrelatedLayer4Bit_OutputMseBelowNearestAndOnGrid()
    {
        const int k = 16, outputs = 8, qmax = 7;
        var random = new Random(5);
        var latent = Enumerable.Range(0, 300 * 4).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var mix = Enumerable.Range(0, 4 * k).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var rows = Enumerable.Range(0, 300).Select(r => Enumerable.Range(0, k).Select(i =>
            Enumerable.Range(0, 4).Sum(l => latent[(r * 4) + l] * mix[(l * k) + i]) + (0.05 * (random.NextDouble() - 0.5))).ToArray()).ToArray();
        var w = Enumerable.Range(0, outputs * k).Select(_ => random.NextDouble() - 0.5).ToArray();
        var scales = Enumerable.Range(0, outputs).Select(o => (float)(w.Skip(o * k).Take(k).Max(Math.Abs) / qmax)).ToArray();
        var upper = Factor(rows, k, 0.01);

        var gptq = GptqRounding.Round((double[])w.Clone(), outputs, k, scales, qmax, upper);
        var nearest = w.Select((v, i) => GptqRounding.Nearest(v, scales[i / k], qmax)).ToArray();

        var gptqMse = OutputMse(rows, w, gptq, scales, k);
        var nearestMse = OutputMse(rows, w, nearest, scales, k);
        Assert.True(gptqMse < 0.5 * nearestMse, $"gptq {gptqMse} vs nearest {nearestMse}");
        Assert.All(gptq, q => Assert.InRange(q, -qmax, qmax));
    }

    /// <summary>U with H⁻¹ = UᵀU for H = Σ x·xᵀ, damped by λ·mean(diag).</summary>
    private static double[] Factor(double[][] rows, int k, double lambda)
    {
        var accumulator = new ObsReconstruction.HessianAccumulator(k);
        foreach (var row in rows)
        {
            accumulator.AddRow(row);
        }

        return ObsReconstruction.InverseFactor(accumulator.Finish(), k, lambda).Upper!;
    }

    /// <summary>Mean over rows and outputs of (x·w − x·q·scale)², by explicit products.</summary>
    private static double OutputMse(double[][] rows, double[] w, int[] q, float[] scales, int k)
    {
        var outputs = w.Length / k;
        var sum = 0.0;
        foreach (var x in rows)
        {
            for (var o = 0; o < outputs; o++)
            {
                var exact = 0.0;
                var rounded = 0.0;
                for (var i = 0; i < k; i++)
                {
                    exact += x[i] * w[(o * k) + i];
                    rounded += x[i] * q[(o * k) + i] * (double)scales[o];
                }

                sum += (exact - rounded) * (exact - rounded);
            }
        }

        return sum / (rows.Length * outputs);
    }
}
