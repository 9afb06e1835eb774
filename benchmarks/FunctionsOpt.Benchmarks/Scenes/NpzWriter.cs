using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace FunctionsOpt.Benchmarks.Scenes;

/// <summary>
/// Writes NumPy .npy (format 1.0) arrays into a deflate-compressed .npz (like np.savez_compressed). Entry times are
/// fixed, so the archive bytes depend only on the data (and the runtime's deflate implementation).
/// </summary>
internal static class NpzWriter
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] UInt8(byte[] values, params long[] shape) => Npy("|u1", shape, values.Length, values);

    public static byte[] Npz(IReadOnlyList<(string Name, byte[] Npy)> entries)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, npy) in entries)
            {
                var entry = archive.CreateEntry(name + ".npy", CompressionLevel.SmallestSize);
                entry.LastWriteTime = FixedTime;
                using var stream = entry.Open();
                stream.Write(npy);
            }
        }

        return buffer.ToArray();
    }

    private static byte[] Npy(string descr, long[] shape, int count, byte[] data)
    {
        var product = shape.Aggregate(1L, (a, b) => a * b);
        if (product != count)
        {
            throw new ArgumentException($"{count} values do not fill shape ({string.Join(", ", shape)}).", nameof(shape));
        }

        var tuple = shape.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)")
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}";
        var prefix = Magic.Length + sizeof(ushort);
        var total = prefix + header.Length + 1;
        var padded = (total + 63) / 64 * 64;
        header = header + new string(' ', padded - total) + "\n";
        var headerBytes = Encoding.ASCII.GetBytes(header);
        var result = new byte[prefix + headerBytes.Length + data.Length];
        Magic.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(Magic.Length), checked((ushort)headerBytes.Length));
        headerBytes.CopyTo(result, prefix);
        data.CopyTo(result, prefix + headerBytes.Length);
        return result;
    }
}
