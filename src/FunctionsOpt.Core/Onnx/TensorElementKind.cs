namespace FunctionsOpt.Core.Onnx;

/// <summary>Tensor element types, numbered as ONNX <c>TensorProto.DataType</c> numbers them.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Names mirror the ONNX data types on purpose.")]
public enum TensorElementKind
{
    /// <summary>Not set or not a tensor.</summary>
    Undefined = 0,
    /// <summary>32-bit float.</summary>
    Float = 1,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,
    /// <summary>String.</summary>
    String = 8,
    /// <summary>Boolean.</summary>
    Bool = 9,
    /// <summary>IEEE half precision.</summary>
    Float16 = 10,
    /// <summary>64-bit float.</summary>
    Double = 11,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
    /// <summary>Complex of two floats.</summary>
    Complex64 = 14,
    /// <summary>Complex of two doubles.</summary>
    Complex128 = 15,
    /// <summary>bfloat16.</summary>
    BFloat16 = 16,
}

/// <summary>Sizes and names of <see cref="TensorElementKind"/> values.</summary>
public static class TensorElementKindExtensions
{
    /// <summary>Bytes per element, or 0 where the size is not fixed (string, undefined).</summary>
    public static int SizeInBytes(this TensorElementKind kind) => kind switch
    {
        TensorElementKind.Float => 4,
        TensorElementKind.UInt8 => 1,
        TensorElementKind.Int8 => 1,
        TensorElementKind.UInt16 => 2,
        TensorElementKind.Int16 => 2,
        TensorElementKind.Int32 => 4,
        TensorElementKind.Int64 => 8,
        TensorElementKind.Bool => 1,
        TensorElementKind.Float16 => 2,
        TensorElementKind.Double => 8,
        TensorElementKind.UInt32 => 4,
        TensorElementKind.UInt64 => 8,
        TensorElementKind.Complex64 => 8,
        TensorElementKind.Complex128 => 16,
        TensorElementKind.BFloat16 => 2,
        _ => 0,
    };

    /// <summary>The lower-case ONNX spelling (<c>float</c>, <c>int64</c>, ...).</summary>
    public static string OnnxName(this TensorElementKind kind) => kind switch
    {
        TensorElementKind.Float => "float",
        TensorElementKind.Float16 => "float16",
        TensorElementKind.BFloat16 => "bfloat16",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
