using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>Moves data between <see cref="DataArray"/> and ORT values without per-element work where possible.</summary>
internal static class TensorMarshal
{
    /// <summary>
    /// Wraps rows [start, start+count) of <paramref name="array"/> as an ORT tensor of the given shape. Full rows are
    /// pinned in place (no copy); ORT only reads inputs, so sharing the dataset's memory is safe.
    /// </summary>
    public static OrtValue WrapRows(DataArray array, int start, int count, long[] shape) =>
        WrapRows(array, start, count, checked((int)array.RowSize), shape);

    /// <summary>As above with the row size precomputed (hot loops call this once per batch).</summary>
    public static OrtValue WrapRows(DataArray array, int start, int count, int rowSize, long[] shape)
    {
        var offset = start * rowSize;
        var length = count * rowSize;
        return array.Data switch
        {
            float[] f => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, f.AsMemory(offset, length), shape),
            double[] d => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, d.AsMemory(offset, length), shape),
            long[] l => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, l.AsMemory(offset, length), shape),
            int[] i => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, i.AsMemory(offset, length), shape),
            byte[] b => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, b.AsMemory(offset, length), shape),
            bool[] b => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, b.AsMemory(offset, length), shape),
            _ => throw new NotSupportedException($"Element type {array.ElementType} cannot be fed to ONNX Runtime."),
        };
    }

    /// <summary>Maps ORT's element type to ours.</summary>
    public static TensorElementKind ToKind(TensorElementType type) => type switch
    {
        TensorElementType.Float => TensorElementKind.Float,
        TensorElementType.Double => TensorElementKind.Double,
        TensorElementType.Int64 => TensorElementKind.Int64,
        TensorElementType.Int32 => TensorElementKind.Int32,
        TensorElementType.UInt8 => TensorElementKind.UInt8,
        TensorElementType.Bool => TensorElementKind.Bool,
        TensorElementType.Float16 => TensorElementKind.Float16,
        TensorElementType.Int8 => TensorElementKind.Int8,
        TensorElementType.String => TensorElementKind.String,
        _ => TensorElementKind.Undefined,
    };

    /// <summary>
    /// Copies a tensor output into <paramref name="target"/> at element <paramref name="offset"/>, converting
    /// float16 to float (outputs are collected as float, double, int64, int32, uint8 or bool).
    /// </summary>
    public static void CopyOut(OrtValue value, Array target, long offset, long elements) =>
        CopyOut(value, value.GetTensorTypeAndShape().ElementDataType, target, offset, elements);

    /// <summary>As above with the element type already known, saving a native call per batch.</summary>
    public static void CopyOut(OrtValue value, TensorElementType type, Array target, long offset, long elements)
    {
        switch (target)
        {
            case float[] f when type == TensorElementType.Float:
                value.GetTensorDataAsSpan<float>()[..(int)elements].CopyTo(f.AsSpan((int)offset));
                break;
            case float[] f when type == TensorElementType.Float16:
                var half = value.GetTensorDataAsSpan<Float16>();
                for (var i = 0; i < elements; i++)
                {
                    f[offset + i] = (float)half[i];
                }

                break;
            case double[] d:
                value.GetTensorDataAsSpan<double>()[..(int)elements].CopyTo(d.AsSpan((int)offset));
                break;
            case long[] l:
                value.GetTensorDataAsSpan<long>()[..(int)elements].CopyTo(l.AsSpan((int)offset));
                break;
            case int[] n:
                value.GetTensorDataAsSpan<int>()[..(int)elements].CopyTo(n.AsSpan((int)offset));
                break;
            case byte[] b:
                value.GetTensorDataAsSpan<byte>()[..(int)elements].CopyTo(b.AsSpan((int)offset));
                break;
            case bool[] b:
                value.GetTensorDataAsSpan<bool>()[..(int)elements].CopyTo(b.AsSpan((int)offset));
                break;
            default:
                throw new NotSupportedException($"Output element type {type} cannot be collected.");
        }
    }

    /// <summary>The collected element kind for an ORT output type (float16 widens to float).</summary>
    public static TensorElementKind CollectedKind(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Float16 => TensorElementKind.Float,
        TensorElementType.Double => TensorElementKind.Double,
        TensorElementType.Int64 => TensorElementKind.Int64,
        TensorElementType.Int32 => TensorElementKind.Int32,
        TensorElementType.UInt8 => TensorElementKind.UInt8,
        TensorElementType.Bool => TensorElementKind.Bool,
        _ => TensorElementKind.Undefined,
    };
}
