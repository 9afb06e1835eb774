using System.Globalization;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// A dense, C-ordered n-dimensional array as read from NPY/NPZ/CSV. Axis 0 is the sample axis wherever a
/// dataset holds it. <see cref="Data"/> is one of float[], double[], long[], int[], byte[] or bool[], matching
/// <see cref="ElementType"/>. Immutable by convention: callers must not write into <see cref="Data"/>.
/// </summary>
public sealed class DataArray
{
    /// <summary>Wraps typed data; the length must equal the product of the shape.</summary>
    public DataArray(TensorElementKind elementType, long[] shape, Array data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        var expectedType = ClrTypeOf(elementType);
        if (data.GetType().GetElementType() != expectedType)
        {
            throw new ArgumentException($"Element type {elementType} needs a {expectedType.Name}[] but got {data.GetType().Name}.", nameof(data));
        }

        long product = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("Shape dimensions must be non-negative.", nameof(shape));
            }

            product *= d;
        }

        if (product != data.LongLength)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(",", shape)}] holds {product} elements but the data has {data.LongLength}.", nameof(data));
        }

        ElementType = elementType;
        Shape = shape;
        Data = data;
    }

    /// <summary>Element type.</summary>
    public TensorElementKind ElementType { get; }

    /// <summary>Shape (C order).</summary>
    public long[] Shape { get; }

    /// <summary>The elements, flat, C order.</summary>
    public Array Data { get; }

    /// <summary>Number of elements.</summary>
    public long Length => Data.LongLength;

    /// <summary>Rank.</summary>
    public int Rank => Shape.Length;

    /// <summary>Size of axis 0 (1 for a scalar).</summary>
    public int Rows => Shape.Length == 0 ? 1 : checked((int)Shape[0]);

    /// <summary>Elements per row (product of all axes but the first).</summary>
    public long RowSize => Shape.Length == 0 ? 1 : Shape.Skip(1).Aggregate(1L, (a, b) => a * b);

    /// <summary>Shape as text, e.g. <c>[100,4]</c>.</summary>
    public string ShapeText => "[" + string.Join(",", Shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Creates a float array.</summary>
    public static DataArray FromFloats(float[] data, params long[] shape) => new(TensorElementKind.Float, shape, data);

    /// <summary>Creates an int64 array.</summary>
    public static DataArray FromInt64s(long[] data, params long[] shape) => new(TensorElementKind.Int64, shape, data);

    /// <summary>Creates a double array.</summary>
    public static DataArray FromDoubles(double[] data, params long[] shape) => new(TensorElementKind.Double, shape, data);

    /// <summary>The CLR element type for a supported kind.</summary>
    public static Type ClrTypeOf(TensorElementKind kind) => kind switch
    {
        TensorElementKind.Float => typeof(float),
        TensorElementKind.Double => typeof(double),
        TensorElementKind.Int64 => typeof(long),
        TensorElementKind.Int32 => typeof(int),
        TensorElementKind.UInt8 => typeof(byte),
        TensorElementKind.Bool => typeof(bool),
        _ => throw new NotSupportedException($"Element type {kind} is not supported for evaluation data; use float32, float64, int64, int32, uint8 or bool."),
    };

    /// <summary>Element <paramref name="index"/> (flat) as a double.</summary>
    public double GetDouble(long index) => Data switch
    {
        float[] f => f[index],
        double[] d => d[index],
        long[] l => l[index],
        int[] i => i[index],
        byte[] b => b[index],
        bool[] b => b[index] ? 1.0 : 0.0,
        _ => throw new InvalidOperationException("Unsupported data array."),
    };

    /// <summary>All elements converted to float (copy unless already float).</summary>
    public float[] ToFloatArray()
    {
        if (Data is float[] f)
        {
            return f;
        }

        var result = new float[Length];
        for (long i = 0; i < result.LongLength; i++)
        {
            result[i] = (float)GetDouble(i);
        }

        return result;
    }

    /// <summary>All elements converted to double.</summary>
    public double[] ToDoubleArray()
    {
        if (Data is double[] d)
        {
            return d;
        }

        var result = new double[Length];
        for (long i = 0; i < result.LongLength; i++)
        {
            result[i] = GetDouble(i);
        }

        return result;
    }

    /// <summary>All elements converted to int64; throws when a value is not integral.</summary>
    public long[] ToInt64Array()
    {
        if (Data is long[] l)
        {
            return l;
        }

        var result = new long[Length];
        for (long i = 0; i < result.LongLength; i++)
        {
            var v = GetDouble(i);
            if (v != Math.Floor(v) || double.IsNaN(v))
            {
                throw new InvalidCastException($"Element {i} ({v.ToString(CultureInfo.InvariantCulture)}) is not an integer.");
            }

            result[i] = (long)v;
        }

        return result;
    }

    /// <summary>Converts to another element type (copy), e.g. float64 data for a float32 model input.</summary>
    public DataArray ConvertTo(TensorElementKind target)
    {
        if (target == ElementType)
        {
            return this;
        }

        Array converted = target switch
        {
            TensorElementKind.Float => ToFloatArray(),
            TensorElementKind.Double => ToDoubleArray(),
            TensorElementKind.Int64 => ToInt64Array(),
            TensorElementKind.Int32 => ToInt64Array().Select(v => checked((int)v)).ToArray(),
            TensorElementKind.UInt8 => ToInt64Array().Select(v => checked((byte)v)).ToArray(),
            TensorElementKind.Bool => Enumerable.Range(0, checked((int)Length)).Select(i => GetDouble(i) != 0).ToArray(),
            _ => throw new NotSupportedException($"Cannot convert to {target}."),
        };
        return new DataArray(target, (long[])Shape.Clone(), converted);
    }

    /// <summary>Rows <paramref name="indices"/> of axis 0, in the given order (copy).</summary>
    public DataArray SelectRows(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (Shape.Length == 0)
        {
            throw new InvalidOperationException("A scalar has no rows to select.");
        }

        var rowSize = checked((int)RowSize);
        var result = Array.CreateInstance(Data.GetType().GetElementType()!, (long)indices.Count * rowSize);
        for (var i = 0; i < indices.Count; i++)
        {
            var row = indices[i];
            if ((uint)row >= (uint)Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Row {row} is outside [0,{Rows}).");
            }

            Array.Copy(Data, (long)row * rowSize, result, (long)i * rowSize, rowSize);
        }

        var shape = (long[])Shape.Clone();
        shape[0] = indices.Count;
        return new DataArray(ElementType, shape, result);
    }

    /// <summary>Rows [start, start+count) of axis 0 (copy).</summary>
    public DataArray SliceRows(int start, int count)
    {
        var rowSize = checked((int)RowSize);
        if (start < 0 || count < 0 || start + count > Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start},{start + count}) are outside [0,{Rows}).");
        }

        var result = Array.CreateInstance(Data.GetType().GetElementType()!, (long)count * rowSize);
        Array.Copy(Data, (long)start * rowSize, result, 0, (long)count * rowSize);
        var shape = (long[])Shape.Clone();
        shape[0] = count;
        return new DataArray(ElementType, shape, result);
    }
}
