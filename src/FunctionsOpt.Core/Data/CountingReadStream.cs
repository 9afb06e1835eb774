namespace FunctionsOpt.Core.Data;

/// <summary>
/// Read-only pass-through that fails as soon as more bytes come out of the inner stream than a budget allows.
/// NPZ entries are read through it so that the limit applies to inflated bytes, whatever the zip header claims.
/// </summary>
internal sealed class CountingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly long _entryLimit;
    private readonly Func<long, long> _addToTotal;
    private readonly Action<long, long> _onEntryLimit;

    /// <param name="inner">The inflating stream.</param>
    /// <param name="entryLimit">Bytes this stream may yield.</param>
    /// <param name="addToTotal">Adds bytes to the archive-wide count and returns the new total (it throws past the total limit).</param>
    /// <param name="onEntryLimit">Throws the error for a breached entry limit, given the bytes read and the limit.</param>
    public CountingReadStream(Stream inner, long entryLimit, Func<long, long> addToTotal, Action<long, long> onEntryLimit)
    {
        _inner = inner;
        _entryLimit = entryLimit;
        _addToTotal = addToTotal;
        _onEntryLimit = onEntryLimit;
    }

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        BytesRead += n;
        if (BytesRead > _entryLimit)
        {
            _onEntryLimit(BytesRead, _entryLimit);
        }

        _addToTotal(n);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
