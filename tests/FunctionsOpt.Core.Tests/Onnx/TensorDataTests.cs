using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using Onnx;

namespace FunctionsOpt.Core.Tests.Onnx;

public sealed class TensorDataTests
{
    [Fact]
    public void CreateFloat_ThenReadFloats_RoundTripsExactly()
    {
        float[] values = [1.5f, -2.25f, 3.4028235e38f, 1e-45f];

        var tensor = TensorData.CreateFloat("w", [2, 2], values);

        Assert.Equal(values, TensorData.ReadFloats(tensor));
        Assert.Equal(16, tensor.RawData.Length);
        Assert.Equal([2L, 2L], tensor.Dims);
    }

    [Fact]
    public void CreateFloat16_ThenReadFloats_RoundsToHalfPrecision()
    {
        // 0.1 is not representable in half precision; the nearest half is 0.0999755859375 (by IEEE 754 binary16).
        var tensor = TensorData.CreateFloat16("h", [3], [0.1f, 1f, 65504f]);

        Assert.Equal([0.0999755859375f, 1f, 65504f], TensorData.ReadFloats(tensor));
        Assert.Equal(6, tensor.RawData.Length);
    }

    [Fact]
    public void ReadFloats_TypedFloatData_ReadsFloatDataField()
    {
        var tensor = new TensorProto { Name = "t", DataType = (int)TensorElementKind.Float };
        tensor.Dims.Add(3);
        tensor.FloatData.AddRange([1f, 2f, 3f]);

        Assert.Equal([1f, 2f, 3f], TensorData.ReadFloats(tensor));
    }

    [Fact]
    public void CreateInt64_ThenReadInt64s_RoundTrips()
    {
        var tensor = TensorData.CreateInt64("shape", [3], [1, -1, long.MaxValue]);

        Assert.Equal([1L, -1L, long.MaxValue], TensorData.ReadInt64s(tensor));
    }

    [Fact]
    public void ReadFloats_IntegerTensor_ThrowsNamingTensor()
    {
        var tensor = TensorData.CreateInt64("ids", [1], [5]);

        var error = Assert.Throws<InvalidModelException>(() => TensorData.ReadFloats(tensor));

        Assert.Contains("'ids'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UniqueName_RepeatedStem_ReturnsFreshNamesEachTime()
    {
        var graph = new GraphProto();
        graph.Initializer.Add(TensorData.CreateFloat("w", [1], [1f]));
        var index = new GraphIndex(graph);

        Assert.Equal("w_1", index.UniqueName("w"));
        Assert.Equal("w_2", index.UniqueName("w"));
        Assert.Equal("scale", index.UniqueName("scale"));
        Assert.Equal("scale_1", index.UniqueName("scale"));
    }
}
