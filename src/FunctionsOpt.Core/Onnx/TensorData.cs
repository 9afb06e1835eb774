using System.Buffers.Binary;
using FunctionsOpt.Core.Errors;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Onnx;

/// <summary>Reading and writing initializer values, whichever protobuf field holds them (raw_data or typed).</summary>
public static class TensorData
{
    /// <summary>Element count from the dims.</summary>
    public static long ElementCount(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Dims.Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>Float values of a float, float16 or double tensor (inline data only).</summary>
    /// <exception cref="InvalidModelException">External data, or a type that is not floating point.</exception>
    public static float[] ReadFloats(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        EnsureInline(tensor);
        var count = checked((int)ElementCount(tensor));
        var type = (TensorElementKind)tensor.DataType;
        var raw = tensor.RawData.Span;
        var result = new float[count];
        switch (type)
        {
            case TensorElementKind.Float when raw.Length > 0:
                for (var i = 0; i < count; i++)
                {
                    result[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
                }

                return result;
            case TensorElementKind.Float:
                tensor.FloatData.CopyTo(result, 0);
                return result;
            case TensorElementKind.Double when raw.Length > 0:
                for (var i = 0; i < count; i++)
                {
                    result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..]);
                }

                return result;
            case TensorElementKind.Double:
                for (var i = 0; i < count; i++)
                {
                    result[i] = (float)tensor.DoubleData[i];
                }

                return result;
            case TensorElementKind.Float16 when raw.Length > 0:
                for (var i = 0; i < count; i++)
                {
                    result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]);
                }

                return result;
            case TensorElementKind.Float16:
                // Typed float16 values live in int32_data, one per element, as raw bit patterns.
                for (var i = 0; i < count; i++)
                {
                    result[i] = (float)BitConverter.UInt16BitsToHalf((ushort)tensor.Int32Data[i]);
                }

                return result;
            default:
                throw new InvalidModelException(InvalidModelReason.InvalidGraph, $"Initializer '{tensor.Name}' is {type}, not a floating-point tensor.");
        }
    }

    /// <summary>Int64 values of an int64 or int32 tensor (shapes, axes, indices).</summary>
    public static long[] ReadInt64s(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        EnsureInline(tensor);
        var count = checked((int)ElementCount(tensor));
        var raw = tensor.RawData.Span;
        var result = new long[count];
        switch ((TensorElementKind)tensor.DataType)
        {
            case TensorElementKind.Int64 when raw.Length > 0:
                for (var i = 0; i < count; i++)
                {
                    result[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(i * 8)..]);
                }

                return result;
            case TensorElementKind.Int64:
                tensor.Int64Data.CopyTo(result, 0);
                return result;
            case TensorElementKind.Int32 when raw.Length > 0:
                for (var i = 0; i < count; i++)
                {
                    result[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]);
                }

                return result;
            case TensorElementKind.Int32:
                for (var i = 0; i < count; i++)
                {
                    result[i] = tensor.Int32Data[i];
                }

                return result;
            default:
                throw new InvalidModelException(InvalidModelReason.InvalidGraph, $"Initializer '{tensor.Name}' is {(TensorElementKind)tensor.DataType}, not an integer tensor.");
        }
    }

    /// <summary>A float32 tensor with raw little-endian data.</summary>
    public static TensorProto CreateFloat(string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return Create(name, TensorElementKind.Float, dims, bytes);
    }

    /// <summary>A float16 tensor (values rounded to nearest) with raw little-endian data.</summary>
    public static TensorProto CreateFloat16(string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
        }

        return Create(name, TensorElementKind.Float16, dims, bytes);
    }

    /// <summary>An int64 tensor with raw little-endian data.</summary>
    public static TensorProto CreateInt64(string name, IReadOnlyList<long> dims, ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return Create(name, TensorElementKind.Int64, dims, bytes);
    }

    /// <summary>An int8 tensor.</summary>
    public static TensorProto CreateInt8(string name, IReadOnlyList<long> dims, ReadOnlySpan<sbyte> values) =>
        Create(name, TensorElementKind.Int8, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A uint8 tensor.</summary>
    public static TensorProto CreateUInt8(string name, IReadOnlyList<long> dims, ReadOnlySpan<byte> values) =>
        Create(name, TensorElementKind.UInt8, dims, values.ToArray());

    /// <summary>An int32 tensor with raw little-endian data.</summary>
    public static TensorProto CreateInt32(string name, IReadOnlyList<long> dims, ReadOnlySpan<int> values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return Create(name, TensorElementKind.Int32, dims, bytes);
    }

    private static TensorProto Create(string name, TensorElementKind kind, IReadOnlyList<long> dims, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var tensor = new TensorProto { Name = name, DataType = (int)kind, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static void EnsureInline(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new InvalidModelException(
                InvalidModelReason.UnsafeExternalData,
                $"Initializer '{tensor.Name}' is stored as external data; load the model with its external data inlined before rewriting it.");
        }
    }
}
