using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Passes.Pruning;

namespace FunctionsOpt.Core.Passes.Compensation;

/// <summary>
/// Turns the activation a <see cref="WeightLayer"/> reads into the rows X its weight matrix multiplies, so that a
/// layer's output unit o on row x is Σ_i W[o, i]·x[i] (+ bias): for MatMul/Gemm the last axis of the input, for Conv
/// the im2col patch of every output position in the layer's column order (i = s·C + c, s the kernel position in
/// row-major order, c the input channel; padded positions read 0). With group > 1 the row covers all C input
/// channels and output unit o of group g reads columns s·C + g·(C/group) + c; <see cref="FullColumn"/> maps them.
/// Conv geometry comes from the node's kernel_shape (or the weight), strides, pads, dilations and auto_pad; 1-D and
/// 2-D convolutions are supported.
/// </summary>
internal sealed class LayerInputs
{
    private readonly WeightLayer _layer;
    private readonly int _kernelH, _kernelW, _strideH, _strideW, _dilationH, _dilationW;
    private readonly long[] _pads;
    private readonly string _autoPad;

    private LayerInputs(WeightLayer layer, int channels, int groups, int kh, int kw, int sh, int sw, int dh, int dw, long[] pads, string autoPad)
    {
        _layer = layer;
        Channels = channels;
        Groups = groups;
        _kernelH = kh;
        _kernelW = kw;
        _strideH = sh;
        _strideW = sw;
        _dilationH = dh;
        _dilationW = dw;
        _pads = pads;
        _autoPad = autoPad;
        Width = layer.Op == WeightLayerOp.Conv ? kh * kw * channels : layer.Inputs;
    }

    /// <summary>Values per row: K for MatMul/Gemm, kernel positions × all input channels for Conv.</summary>
    public int Width { get; }

    /// <summary>Conv group count (1 for MatMul/Gemm).</summary>
    public int Groups { get; }

    /// <summary>Input channels seen by the row (Conv), or K.</summary>
    public int Channels { get; }

    /// <summary>The input rows of <paramref name="layer"/>, or null with the reason when its geometry is not supported.</summary>
    public static LayerInputs? For(WeightLayer layer, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(layer);
        problem = null;
        var node = layer.Node;
        if (layer.Op != WeightLayerOp.Conv)
        {
            if (layer.Op == WeightLayerOp.Gemm && GraphIndex.IntAttribute(node, "transA", 0) != 0)
            {
                problem = "Gemm with transA = 1 is not supported";
                return null;
            }

            return new LayerInputs(layer, layer.Inputs, 1, 1, 1, 1, 1, 1, 1, [], "NOTSET");
        }

        var dims = layer.Weight.Dims;
        var rank = dims.Count - 2;
        if (rank is < 1 or > 2)
        {
            problem = $"Conv with {rank} spatial axes (only 1-D and 2-D are unrolled)";
            return null;
        }

        var groups = checked((int)GraphIndex.IntAttribute(node, "group", 1));
        var channels = checked((int)dims[1] * groups);
        long[] Ints(string name, long fallback)
        {
            var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
            return attribute is null || attribute.Ints.Count == 0 ? Enumerable.Repeat(fallback, name == "pads" ? 2 * rank : rank).ToArray() : attribute.Ints.ToArray();
        }

        var kernel = node.Attribute.Any(a => a.Name == "kernel_shape") ? Ints("kernel_shape", 1) : dims.Skip(2).ToArray();
        var strides = Ints("strides", 1);
        var dilations = Ints("dilations", 1);
        var pads = Ints("pads", 0);
        var autoPad = node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        if (autoPad.Length == 0)
        {
            autoPad = "NOTSET";
        }

        if (kernel.Length != rank || strides.Length != rank || dilations.Length != rank || pads.Length != 2 * rank)
        {
            problem = "Conv attributes do not match the weight's spatial rank";
            return null;
        }

        // A 1-D conv is a 2-D conv with a height of 1.
        return rank == 1
            ? new LayerInputs(layer, channels, groups, 1, (int)kernel[0], 1, (int)strides[0], 1, (int)dilations[0], [0, pads[0], 0, pads[1]], autoPad)
            : new LayerInputs(layer, channels, groups, (int)kernel[0], (int)kernel[1], (int)strides[0], (int)strides[1], (int)dilations[0], (int)dilations[1], [pads[0], pads[1], pads[2], pads[3]], autoPad);
    }

    /// <summary>Column of the full row that output unit <paramref name="output"/> multiplies with its column <paramref name="column"/>.</summary>
    public int FullColumn(int output, int column)
    {
        if (Groups == 1)
        {
            return column;
        }

        var perGroup = Channels / Groups;
        var group = output / (_layer.Outputs / Groups);
        var s = column / perGroup;
        return (s * Channels) + (group * perGroup) + (column % perGroup);
    }

    /// <summary>Rows per calibration sample for an activation of shape <paramref name="shape"/> (batch axis first).</summary>
    public long RowsPerSample(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (_layer.Op != WeightLayerOp.Conv)
        {
            return shape.Skip(1).Aggregate(1L, (a, b) => a * b) / Width;
        }

        var (oh, ow, _, _) = Geometry(shape);
        return (long)oh * ow;
    }

    /// <summary>
    /// Calls <paramref name="onRow"/> for every row of <paramref name="activation"/> whose running index
    /// (continued through <paramref name="counter"/> across calls) is a multiple of <paramref name="keepEvery"/>, and
    /// adds every row to <paramref name="sums"/> (length <see cref="Width"/>) whatever the sampling.
    /// </summary>
    public void ForEachRow(float[] activation, IReadOnlyList<long> shape, long keepEvery, ref long counter, double[] sums, Action<ReadOnlySpan<double>>? onRow)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(sums);
        var row = new double[Width];
        if (_layer.Op != WeightLayerOp.Conv)
        {
            if (activation.Length % Width != 0)
            {
                throw new ArgumentException($"Activation length {activation.Length} is not a multiple of {Width}.", nameof(activation));
            }

            for (var start = 0; start < activation.Length; start += Width)
            {
                for (var i = 0; i < Width; i++)
                {
                    row[i] = activation[start + i];
                    sums[i] += row[i];
                }

                if (onRow is not null && counter++ % keepEvery == 0)
                {
                    onRow(row);
                }
            }

            return;
        }

        var (oh, ow, top, left) = Geometry(shape);
        var batch = checked((int)shape[0]);
        var channels = checked((int)shape[1]);
        if (channels != Channels)
        {
            throw new ArgumentException($"Conv input has {channels} channels, the weight expects {Channels}.", nameof(shape));
        }

        var (h, w) = shape.Count == 4 ? (checked((int)shape[2]), checked((int)shape[3])) : (1, checked((int)shape[2]));
        var plane = h * w;
        for (var n = 0; n < batch; n++)
        {
            var image = n * channels * plane;
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    for (var ky = 0; ky < _kernelH; ky++)
                    {
                        var y = (oy * _strideH) - top + (ky * _dilationH);
                        for (var kx = 0; kx < _kernelW; kx++)
                        {
                            var x = (ox * _strideW) - left + (kx * _dilationW);
                            var offset = ((ky * _kernelW) + kx) * channels;
                            var inside = y >= 0 && y < h && x >= 0 && x < w;
                            for (var c = 0; c < channels; c++)
                            {
                                var value = inside ? activation[image + (c * plane) + (y * w) + x] : 0f;
                                row[offset + c] = value;
                                sums[offset + c] += value;
                            }
                        }
                    }

                    if (onRow is not null && counter++ % keepEvery == 0)
                    {
                        onRow(row);
                    }
                }
            }
        }
    }

    /// <summary>Output height and width and the leading pads, for an input of <paramref name="shape"/>.</summary>
    private (int OutH, int OutW, int Top, int Left) Geometry(IReadOnlyList<long> shape)
    {
        if (shape.Count is not (3 or 4))
        {
            throw new ArgumentException($"Conv input must be [N, C, (H,) W], got rank {shape.Count}.", nameof(shape));
        }

        var (h, w) = shape.Count == 4 ? (checked((int)shape[2]), checked((int)shape[3])) : (1, checked((int)shape[2]));
        var (oh, top) = Axis(h, _kernelH, _strideH, _dilationH, _pads[0], _pads[2]);
        var (ow, left) = Axis(w, _kernelW, _strideW, _dilationW, _pads[1], _pads[3]);
        return (oh, ow, top, left);
    }

    private (int Out, int Begin) Axis(int size, int kernel, int stride, int dilation, long padBegin, long padEnd)
    {
        var extent = (dilation * (kernel - 1)) + 1;
        switch (_autoPad)
        {
            case "VALID":
                return (((size - extent) / stride) + 1, 0);
            case "SAME_UPPER" or "SAME_LOWER":
                var output = (size + stride - 1) / stride;
                var total = Math.Max(0, ((output - 1) * stride) + extent - size);
                return (output, _autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2));
            default:
                return ((int)((size + padBegin + padEnd - extent) / stride) + 1, (int)padBegin);
        }
    }
}
