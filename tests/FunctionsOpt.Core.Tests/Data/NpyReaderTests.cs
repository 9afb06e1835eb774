using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class NpyReaderTests
{
    [Fact]
    public void ReadFile_Float32_ReturnsShapeAndValues()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("f4.npy"));

        Assert.Equal(TensorElementKind.Float, array.ElementType);
        Assert.Equal([2L, 2L], array.Shape);
        Assert.Equal([1.5f, -2.25f, 3.0f, 0.125f], (float[])array.Data);
    }

    [Fact]
    public void ReadFile_Float64_ReturnsValues()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("f8.npy"));

        Assert.Equal(TensorElementKind.Double, array.ElementType);
        Assert.Equal([3L], array.Shape);
        Assert.Equal([0.1, -1e300, 2.5], (double[])array.Data);
    }

    [Fact]
    public void ReadFile_Int64_KeepsValuesBeyondDoublePrecision()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("i8.npy"));

        Assert.Equal(TensorElementKind.Int64, array.ElementType);
        Assert.Equal([-9007199254740993L, 0L, 42L], (long[])array.Data);
    }

    [Fact]
    public void ReadFile_Int32_ReturnsExtremes()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("i4.npy"));

        Assert.Equal(TensorElementKind.Int32, array.ElementType);
        Assert.Equal([2L, 2L], array.Shape);
        Assert.Equal([-7, int.MaxValue, 0, int.MinValue], (int[])array.Data);
    }

    [Fact]
    public void ReadFile_UInt8_ReturnsBytes()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("u1.npy"));

        Assert.Equal(TensorElementKind.UInt8, array.ElementType);
        Assert.Equal(new byte[] { 0, 7, 255 }, (byte[])array.Data);
    }

    [Fact]
    public void ReadFile_Bool_ReturnsBools()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("b1.npy"));

        Assert.Equal(TensorElementKind.Bool, array.ElementType);
        Assert.Equal([true, false, true, true], (bool[])array.Data);
    }

    [Fact]
    public void ReadFile_Scalar_ReturnsRankZero()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("scalar_f8.npy"));

        Assert.Empty(array.Shape);
        Assert.Equal([3.25], (double[])array.Data);
    }

    [Fact]
    public void ReadFile_ThreeDimensionalFloat32_ReturnsCOrderValues()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("f4_3d.npy"));

        Assert.Equal([2L, 3L, 4L], array.Shape);
        var expected = Enumerable.Range(0, 24).Select(i => i / 4f).ToArray();
        Assert.Equal(expected, (float[])array.Data);
    }

    [Fact]
    public void ReadFile_Version2Header_ReturnsValues()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("f4_v2.npy"));

        Assert.Equal([1L, 3L], array.Shape);
        Assert.Equal([1f, 2f, 3f], (float[])array.Data);
    }

    [Fact]
    public void ReadFile_Version3Header_ReturnsValues()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("i8_v3.npy"));

        Assert.Equal([5L, 6L], (long[])array.Data);
    }

    [Fact]
    public void ReadFile_BigEndianFloat64_SwapsBytes()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("f8_be.npy"));

        Assert.Equal(TensorElementKind.Double, array.ElementType);
        Assert.Equal([1.0, -0.5, 1e10], (double[])array.Data);
    }

    [Fact]
    public void ReadFile_BigEndianInt32_SwapsBytes()
    {
        var array = NpyReader.ReadFile(DataFixtures.Path("i4_be.npy"));

        Assert.Equal([1, -2, 65536], (int[])array.Data);
    }

    [Fact]
    public void Read_NativeByteOrderSpelling_ReadsLittleEndian()
    {
        var data = BitConverter.GetBytes(2.5f).Concat(BitConverter.GetBytes(-1f)).ToArray();
        var bytes = DataFixtures.Npy("{'descr': '=f4', 'fortran_order': False, 'shape': (2,), }", data);

        var array = NpyReader.Read(new MemoryStream(bytes));

        Assert.Equal([2.5f, -1f], (float[])array.Data);
    }

    [Fact]
    public void Read_NonSeekableStream_ReadsValues()
    {
        using var file = File.OpenRead(DataFixtures.Path("f4.npy"));

        var array = NpyReader.Read(new NonSeekableStream(file), "f4.npy");

        Assert.Equal([1.5f, -2.25f, 3.0f, 0.125f], (float[])array.Data);
    }

    [Fact]
    public void ReadFile_BadMagic_ThrowsNotNpy()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.ReadFile(DataFixtures.Path("not_npy.npy")));

        Assert.Contains("not an NPY file", ex.Message, StringComparison.Ordinal);
        Assert.Contains("np.save", ex.Message, StringComparison.Ordinal);
        Assert.Equal(InvalidEvaluationDataException.Code, ex.ErrorCode);
    }

    [Fact]
    public void Read_PickleBytes_ThrowsNamingPickle()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.Read(new MemoryStream([0x80, 0x04, 0x4B, 0x01, 0x2E, 0, 0, 0, 0, 0])));

        Assert.Contains("pickle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("allow_pickle=False", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_Truncated_ThrowsWithNeededAndAvailableBytes()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.ReadFile(DataFixtures.Path("truncated.npy")));

        // 2*3*4 float32 = 96 bytes declared; the copy lost its last 5.
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("96 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("91 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedNonSeekable_ThrowsTruncated()
    {
        var bytes = File.ReadAllBytes(DataFixtures.Path("truncated.npy"));

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.Read(new NonSeekableStream(new MemoryStream(bytes))));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("91 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_FortranOrder_ThrowsWithAscontiguousarrayFix()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.ReadFile(DataFixtures.Path("f4_fortran.npy")));

        Assert.Contains("Fortran", ex.Message, StringComparison.Ordinal);
        Assert.Contains("np.ascontiguousarray", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_ObjectArray_RefusesPickle()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.ReadFile(DataFixtures.Path("object.npy")));

        Assert.Contains("object arrays need pickle, which is refused", ex.Message, StringComparison.Ordinal);
        Assert.Contains("allow_pickle=False", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_Float16_ThrowsNamingDtypeAndSupportedList()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.ReadFile(DataFixtures.Path("unsupported_f2.npy")));

        Assert.Contains("'<f2'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(NpyReader.SupportedDtypes, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StructuredDtype_ThrowsStructured()
    {
        var bytes = DataFixtures.Npy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", new byte[8]);

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.Read(new MemoryStream(bytes)));

        Assert.Contains("structured", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownVersion_ThrowsNamingVersion()
    {
        var bytes = DataFixtures.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", [], major: 1);
        bytes[6] = 4;

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.Read(new MemoryStream(bytes)));

        Assert.Contains("version 4.0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedHeader_ThrowsUnreadableHeader()
    {
        var bytes = DataFixtures.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", []);

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.Read(new MemoryStream(bytes)));

        Assert.Contains("unreadable NPY header", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_Missing_ThrowsDoesNotExist()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => NpyReader.ReadFile(DataFixtures.Path("nope.npy")));

        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_OverFileLimit_ThrowsNamingLimit()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => NpyReader.ReadFile(DataFixtures.Path("f4.npy"), new DataLimitsOptions { MaxFileBytes = 100 }));

        Assert.Contains("MaxFileBytes", ex.Message, StringComparison.Ordinal);
    }
}
