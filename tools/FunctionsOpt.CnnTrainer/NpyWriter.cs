using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace FunctionsOpt.CnnTrainer;

/// <summary>
/// Writes NumPy .npy (format 1.0) arrays and .npz archives of them (a zip of NAME.npy entries, stored without
/// compression like np.savez). The entry timestamps are fixed so that the archive bytes depend only on the data.
/// </summary>
internal static class NpyWriter
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    /// <summary>Zip's earliest representable time; every entry gets it.</summary>
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Float32(float[] values, params long[] shape)
    {
        var data = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * sizeof(float)), values[i]);
        }

        return Npy("<f4", shape, values.Length, data);
    }

    public static byte[] Int64(long[] values, params long[] shape)
    {
        var data = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * sizeof(long)), values[i]);
        }

        return Npy("<i8", shape, values.Length, data);
    }

    /// <summary>A zip of <c>name.npy</c> entries, in the given order.</summary>
    public static byte[] Npz(IReadOnlyList<(string Name, byte[] Npy)> entries)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, npy) in entries)
            {
                var entry = archive.CreateEntry(name + ".npy", CompressionLevel.NoCompression);
                entry.LastWriteTime = FixedTime;
                using var stream = entry.Open();
                stream.Write(npy);
            }
        }

        return buffer.ToArray();
    }

    private static byte[] Npy(string descr, long[] shape, int count, byte[] data)
    {
        long product = shape.Aggregate(1L, (a, b) => a * b);
        if (product != count)
        {
            throw new ArgumentException($"{count} values do not fill shape ({string.Join(", ", shape)}).", nameof(shape));
        }

        // Python tuple syntax: (600,) for one axis, (600, 1, 16, 16) otherwise.
        string tuple = shape.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)")
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}";

        // Pad with spaces and end with a newline so that magic + length + header is a multiple of 64 bytes.
        int prefix = Magic.Length + sizeof(ushort);
        int total = prefix + header.Length + 1;
        int padded = (total + 63) / 64 * 64;
        header = header + new string(' ', padded - total) + "\n";
        byte[] headerBytes = Encoding.ASCII.GetBytes(header);

        var result = new byte[prefix + headerBytes.Length + data.Length];
        Magic.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(Magic.Length), checked((ushort)headerBytes.Length));
        headerBytes.CopyTo(result, prefix);
        data.CopyTo(result, prefix + headerBytes.Length);
        return result;
    }
}
