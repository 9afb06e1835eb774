using System.Runtime.Intrinsics;

namespace FunctionsOpt.CnnTrainer;

/// <summary>
/// The two inner loops that carry almost all of the arithmetic. Both give the same bits on every x64/arm64 host:
/// <see cref="Axpy"/> is element-wise (each element sees one multiply and one add, whatever the vector width), and
/// <see cref="Dot"/> always sums in four fixed lanes (<see cref="Vector256{T}"/> is four doubles everywhere, in
/// hardware or in software), then adds the lanes and the tail in a fixed order. The JIT does not contract a
/// multiply and an add into a fused multiply-add, so no rounding depends on the CPU.
/// </summary>
internal static class Kernels
{
    /// <summary>y[i] += a * x[i].</summary>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("Axpy: lengths differ.", nameof(y));
        }

        int i = 0;
        var va = Vector256.Create(a);
        for (; i <= x.Length - 4; i += 4)
        {
            var vy = Vector256.Create(y.Slice(i, 4));
            var vx = Vector256.Create(x.Slice(i, 4));
            (vy + (va * vx)).CopyTo(y.Slice(i, 4));
        }

        for (; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>Sum of x[i] * y[i] in four fixed lanes, then ((l0 + l1) + (l2 + l3)), then the tail in order.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("Dot: lengths differ.", nameof(y));
        }

        int i = 0;
        var acc = Vector256<double>.Zero;
        for (; i <= x.Length - 4; i += 4)
        {
            acc += Vector256.Create(x.Slice(i, 4)) * Vector256.Create(y.Slice(i, 4));
        }

        double sum = (acc.GetElement(0) + acc.GetElement(1)) + (acc.GetElement(2) + acc.GetElement(3));
        for (; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }
}
