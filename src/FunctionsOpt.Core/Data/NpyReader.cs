using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0) holding float32, float64, int64, int32, uint8
/// or bool arrays in C order, either byte order. Never unpickles: object arrays are refused. Every failure is an
/// <see cref="InvalidEvaluationDataException"/> whose message names the problem and the fix. Thread-safe (stateless).
/// </summary>
public static class NpyReader
{
    /// <summary>The dtypes this reader accepts, as NumPy spells them (little-endian; '&gt;' variants also work).</summary>
    public const string SupportedDtypes = "<f4 (float32), <f8 (float64), <i8 (int64), <i4 (int32), |u1 (uint8), |b1 (bool)";

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // Reading in slices keeps each byte span under int.MaxValue even for arrays larger than 2 GiB.
    private const int ChunkBytes = 1 << 24;

    /// <summary>Reads the array in the file at <paramref name="path"/>.</summary>
    public static DataArray ReadFile(string path, DataLimitsOptions? limits = null)
    {
        limits ??= DataLimitsOptions.Default;
        using var stream = DataFiles.OpenRead(path, limits, "NPY");
        return Read(stream, Path.GetFileName(path), limits.MaxFileBytes, "limit (DataLimits:MaxFileBytes)");
    }

    /// <summary>Reads one array from <paramref name="stream"/>, which is left positioned after the data.</summary>
    /// <param name="stream">The NPY bytes.</param>
    /// <param name="sourceName">Name used in error messages (a file or entry name).</param>
    public static DataArray Read(Stream stream, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Read(stream, sourceName, long.MaxValue, string.Empty);
    }

    /// <summary>
    /// Reads one array, refusing before any allocation when the header declares more than
    /// <paramref name="maxDataBytes"/>; <paramref name="limitName"/> says which limit that is.
    /// </summary>
    internal static DataArray Read(Stream stream, string sourceName, long maxDataBytes, string limitName)
    {
        var header = ReadHeader(stream, sourceName);
        var count = header.Shape.Aggregate(1L, (a, d) => checked(a * d));
        var dataBytes = checked(count * header.ItemSize);
        if (dataBytes > maxDataBytes)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' declares {header.Descr} shape {ShapeText(header.Shape)} = {DataFiles.Bytes(dataBytes)}, over the {DataFiles.Bytes(maxDataBytes)} {limitName}; subsample the data or raise the limit.");
        }

        if (count > Array.MaxLength)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' declares {count} elements, more than one array can hold ({Array.MaxLength}); split the data into smaller files.");
        }

        if (stream.CanSeek)
        {
            var available = stream.Length - stream.Position;
            if (available < dataBytes)
            {
                throw Truncated(sourceName, header, dataBytes, available);
            }
        }

        Array data = header.Kind switch
        {
            TensorElementKind.Float => ReadValues<float>(stream, count, sourceName, header, dataBytes),
            TensorElementKind.Double => ReadValues<double>(stream, count, sourceName, header, dataBytes),
            TensorElementKind.Int64 => ReadValues<long>(stream, count, sourceName, header, dataBytes),
            TensorElementKind.Int32 => ReadValues<int>(stream, count, sourceName, header, dataBytes),
            TensorElementKind.UInt8 => ReadValues<byte>(stream, count, sourceName, header, dataBytes),
            _ => Array.ConvertAll(ReadValues<byte>(stream, count, sourceName, header, dataBytes), b => b != 0),
        };

        if (header.NeedsSwap)
        {
            SwapBytes(data);
        }

        return new DataArray(header.Kind, header.Shape, data);
    }

    private static T[] ReadValues<T>(Stream stream, long count, string sourceName, NpyHeader header, long dataBytes)
        where T : unmanaged
    {
        var values = new T[count];
        var perChunk = Math.Max(1, ChunkBytes / header.ItemSize);
        long done = 0;
        long bytesRead = 0;
        while (done < count)
        {
            var n = (int)Math.Min(perChunk, count - done);
            var bytes = MemoryMarshal.AsBytes(values.AsSpan((int)done, n));
            var got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            bytesRead += got;
            if (got < bytes.Length)
            {
                throw Truncated(sourceName, header, dataBytes, bytesRead);
            }

            done += n;
        }

        return values;
    }

    private static void SwapBytes(Array data)
    {
        switch (data)
        {
            case float[] f:
                var fi = MemoryMarshal.Cast<float, int>(f.AsSpan());
                BinaryPrimitives.ReverseEndianness(fi, fi);
                break;
            case double[] d:
                var dl = MemoryMarshal.Cast<double, long>(d.AsSpan());
                BinaryPrimitives.ReverseEndianness(dl, dl);
                break;
            case long[] l:
                BinaryPrimitives.ReverseEndianness(l, l);
                break;
            case int[] i:
                BinaryPrimitives.ReverseEndianness(i, i);
                break;
        }
    }

    private static InvalidEvaluationDataException Truncated(string sourceName, NpyHeader header, long needed, long available) => new(
        $"'{sourceName}' is truncated: its header declares {header.Descr} shape {ShapeText(header.Shape)}, which needs {DataFiles.Bytes(needed)} of data, but only {DataFiles.Bytes(available)} follow the header; re-save the array with np.save and copy the whole file.");

    private static NpyHeader ReadHeader(Stream stream, string sourceName)
    {
        Span<byte> prefix = stackalloc byte[10];
        var got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < 8 || !prefix[..6].SequenceEqual(Magic))
        {
            var hint = got > 0 && prefix[0] == 0x80
                ? " It looks like a Python pickle, which is refused; save a numeric array with np.save(path, arr, allow_pickle=False)."
                : " Save the array with np.save (or pass a .npz/.csv/.json file with the matching extension).";
            throw new InvalidEvaluationDataException($"'{sourceName}' is not an NPY file (the magic string \\x93NUMPY is missing).{hint}");
        }

        int major = prefix[6];
        int minor = prefix[7];
        long headerLength;
        if (major == 1 && minor == 0)
        {
            if (got < 10)
            {
                throw TruncatedHeader(sourceName);
            }

            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..10]);
        }
        else if ((major == 2 || major == 3) && minor == 0)
        {
            Span<byte> lengthBytes = stackalloc byte[4];
            prefix[8..got].CopyTo(lengthBytes);
            var extra = 4 - (got - 8);
            if (stream.ReadAtLeast(lengthBytes[(got - 8)..], extra, throwOnEndOfStream: false) < extra)
            {
                throw TruncatedHeader(sourceName);
            }

            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        }
        else
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' uses NPY format version {major}.{minor}; only 1.0, 2.0 and 3.0 are supported. Re-save it with a current NumPy (np.save).");
        }

        // Real headers are a few hundred bytes; anything huge is corrupt and must not drive an allocation.
        if (headerLength > 1 << 20)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' declares a {DataFiles.Bytes(headerLength)} NPY header, which is not plausible; the file is corrupt. Re-save it with np.save.");
        }

        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
        {
            throw TruncatedHeader(sourceName);
        }

        var text = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        return ParseHeader(text, sourceName);
    }

    private static InvalidEvaluationDataException TruncatedHeader(string sourceName) => new(
        $"'{sourceName}' ends inside its NPY header; the file is truncated. Re-save the array with np.save and copy the whole file.");

    private static NpyHeader ParseHeader(string text, string sourceName)
    {
        object? parsed;
        try
        {
            parsed = PythonLiteralParser.Parse(text.TrimEnd('\n', ' ', '\0'));
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' has an unreadable NPY header ({ex.Message}); re-save the array with np.save.", innerException: ex);
        }

        if (parsed is not Dictionary<string, object?> dict
            || !dict.TryGetValue("descr", out var descrValue)
            || !dict.TryGetValue("fortran_order", out var fortranValue)
            || !dict.TryGetValue("shape", out var shapeValue))
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' has an NPY header without 'descr', 'fortran_order' and 'shape'; re-save the array with np.save.");
        }

        if (descrValue is not string descr)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' holds a structured (record) array; only plain numeric arrays are supported ({SupportedDtypes}). Save each field as its own array, e.g. np.savez(path, a=arr['a'], b=arr['b']).");
        }

        var (kind, itemSize, needsSwap) = ParseDescr(descr, sourceName);

        if (fortranValue is true)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' is stored in Fortran (column-major) order; only C order is supported. Save it with np.save(path, np.ascontiguousarray(arr)).");
        }

        if (shapeValue is not List<object?> shapeList || shapeList.Any(d => d is not long l || l < 0))
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' has an NPY header whose 'shape' is not a tuple of non-negative integers; re-save the array with np.save.");
        }

        return new NpyHeader(descr, kind, itemSize, needsSwap, shapeList.Select(d => (long)d!).ToArray());
    }

    private static (TensorElementKind Kind, int ItemSize, bool NeedsSwap) ParseDescr(string descr, string sourceName)
    {
        if ((descr.Length >= 2 && descr[1] == 'O') || descr == "O")
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' holds an object array (dtype '{descr}'); object arrays need pickle, which is refused. Save a numeric array with np.save(path, arr.astype(np.float32), allow_pickle=False).");
        }

        var order = descr.Length > 0 && descr[0] is '<' or '>' or '=' or '|' ? descr[0] : '\0';
        var code = order == '\0' ? descr : descr[1..];
        (TensorElementKind, int)? type = code switch
        {
            "f4" => (TensorElementKind.Float, 4),
            "f8" => (TensorElementKind.Double, 8),
            "i8" => (TensorElementKind.Int64, 8),
            "i4" => (TensorElementKind.Int32, 4),
            "u1" => (TensorElementKind.UInt8, 1),
            "b1" => (TensorElementKind.Bool, 1),
            _ => null,
        };

        // '|' means "byte order not applicable", which NumPy only writes for one-byte types.
        if (type is null || (order == '|' && type.Value.Item2 > 1))
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' has dtype '{descr}', which is not supported; supported dtypes are {SupportedDtypes}. Convert it first, e.g. np.save(path, arr.astype(np.float32)).");
        }

        var dataBigEndian = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        var needsSwap = type.Value.Item2 > 1 && dataBigEndian == BitConverter.IsLittleEndian;
        return (type.Value.Item1, type.Value.Item2, needsSwap);
    }

    private static string ShapeText(long[] shape) =>
        "(" + string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + (shape.Length == 1 ? ",)" : ")");

    private sealed record NpyHeader(string Descr, TensorElementKind Kind, int ItemSize, bool NeedsSwap, long[] Shape);
}
