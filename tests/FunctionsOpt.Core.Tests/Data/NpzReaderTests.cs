using System.IO.Compression;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class NpzReaderTests
{
    [Theory]
    [InlineData("plain.npz")]
    [InlineData("compressed.npz")]
    public void ReadFile_SavezArchive_ReturnsEveryArrayByName(string file)
    {
        var arrays = NpzReader.ReadFile(DataFixtures.Path(file));

        Assert.Equal(["x", "mask", "labels"], arrays.Keys);
        Assert.Equal([3L, 2L], arrays["x"].Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], (float[])arrays["x"].Data);
        Assert.Equal(TensorElementKind.Int64, arrays["mask"].ElementType);
        Assert.Equal([1L, 0L, 1L, 1L, 0L, 1L], (long[])arrays["mask"].Data);
        Assert.Equal([0L, 1L, 1L], (long[])arrays["labels"].Data);
    }

    [Fact]
    public void ReadFile_CompressibleEntryOverEntryLimit_ThrowsNamingEntryAndLimit()
    {
        var limits = new DataLimitsOptions { MaxEntryBytes = 64 * 1024 };

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpzReader.ReadFile(DataFixtures.Path("bomb.npz"), limits));

        Assert.Contains("'zeros.npy'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("65,536 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxEntryBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_CompressibleEntryOverTotalLimit_ThrowsNamingTotalLimit()
    {
        var limits = new DataLimitsOptions { MaxTotalBytes = 100 * 1024 };

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpzReader.ReadFile(DataFixtures.Path("bomb.npz"), limits));

        Assert.Contains("'zeros.npy'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTotalBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EntryInflatingPastLimitBeforeAnyShape_ThrowsFromInflatedCount()
    {
        // A header that claims 500,000 bytes of padding: no declared shape to check, so only the count of inflated
        // bytes can stop it.
        var npy = new byte[12 + 500_000];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 }.CopyTo(npy, 0);
        BitConverter.GetBytes(500_000u).CopyTo(npy, 8);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("big.npy", CompressionLevel.Optimal).Open();
            entry.Write(npy);
        }

        zip.Position = 0;
        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => NpzReader.Read(zip, new DataLimitsOptions { MaxEntryBytes = 64 * 1024 }, "crafted.npz"));

        Assert.Contains("'big.npy' inflates past", ex.Message, StringComparison.Ordinal);
        Assert.Contains("65,536 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_PickleEntry_ThrowsNamingEntry()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpzReader.ReadFile(DataFixtures.Path("pickle_entry.npz")));

        Assert.Contains("'payload.pkl'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not .npy arrays", ex.Message, StringComparison.Ordinal);
        Assert.Contains("np.savez", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_NotAZip_ThrowsNotNpz()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpzReader.ReadFile(DataFixtures.Path("f4.npy")));

        Assert.Contains("not an NPZ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_OverFileLimit_ThrowsNamingLimit()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => NpzReader.ReadFile(DataFixtures.Path("plain.npz"), new DataLimitsOptions { MaxFileBytes = 100 }));

        Assert.Contains("MaxFileBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EntryWithBadNpy_ThrowsNamingEntry()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("x.npy").Open();
            entry.Write("not numpy"u8);
        }

        zip.Position = 0;
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpzReader.Read(zip, sourceName: "bad.npz"));

        Assert.Contains("'bad.npz' entry 'x.npy'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not an NPY file", ex.Message, StringComparison.Ordinal);
    }
}
