using System.Text;

namespace FunctionsOpt.Core.Tests.Data;

/// <summary>Paths to the numpy-written fixtures and helpers to build NPY bytes and temporary folders.</summary>
internal static class DataFixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "Data", name);

    /// <summary>A version 1.0 NPY file with the given header dict text and raw data bytes.</summary>
    public static byte[] Npy(string headerDict, byte[] data, byte major = 1)
    {
        var header = new StringBuilder(headerDict);
        var prefix = major == 1 ? 10 : 12;
        while ((prefix + header.Length + 1) % 64 != 0)
        {
            header.Append(' ');
        }

        header.Append('\n');
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0]);
        if (major == 1)
        {
            ms.Write(BitConverter.GetBytes((ushort)header.Length));
        }
        else
        {
            ms.Write(BitConverter.GetBytes((uint)header.Length));
        }

        ms.Write(Encoding.Latin1.GetBytes(header.ToString()));
        ms.Write(data);
        return ms.ToArray();
    }
}

/// <summary>A folder under the temp directory, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fo-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Path(string name) => System.IO.Path.Combine(Root, name);

    public string Write(string name, string text)
    {
        var path = Path(name);
        File.WriteAllText(path, text);
        return path;
    }

    public string CopyFixture(string fixture, string? name = null)
    {
        var path = Path(name ?? fixture);
        File.Copy(DataFixtures.Path(fixture), path);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>Wraps a stream and hides its seekability, like a network or inflating stream.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
