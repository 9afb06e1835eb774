using System.Diagnostics;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>
/// Runs a whole dataset through a session in batches along the model's batch axis (axis 0) and collects the
/// outputs row-aligned with the dataset. A model with a fixed batch size B is fed exactly B rows per run; the last
/// batch is padded by repeating its final row and the padding's outputs are dropped. Not thread-safe.
/// </summary>
public sealed class ModelRunner
{
    private readonly SessionHandle _handle;

    /// <summary>Creates a runner over an open session.</summary>
    public ModelRunner(SessionHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _handle = handle;
    }

    /// <summary>
    /// The batch size the model accepts: its fixed axis-0 size when every input fixes it, otherwise
    /// <paramref name="requested"/>.
    /// </summary>
    /// <exception cref="InvalidEvaluationRequestException">Inputs fix different batch sizes.</exception>
    public int EffectiveBatchSize(int requested)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requested, 1);
        int? fixedBatch = null;
        foreach (var (name, meta) in _handle.Session.InputMetadata)
        {
            if (meta.Dimensions.Length == 0 || meta.Dimensions[0] <= 0)
            {
                continue;
            }

            if (fixedBatch is not null && fixedBatch != meta.Dimensions[0])
            {
                throw new InvalidEvaluationRequestException(
                    $"Model inputs fix different batch sizes ({fixedBatch} and {meta.Dimensions[0]} on '{name}'); FunctionsOpt batches along axis 0 and needs one size.");
            }

            fixedBatch = meta.Dimensions[0];
        }

        return fixedBatch ?? requested;
    }

    /// <summary>True when axis 0 of every input is symbolic (any batch size can be fed).</summary>
    public bool HasDynamicBatch => _handle.Session.InputMetadata.Values.All(m => m.Dimensions.Length > 0 && m.Dimensions[0] <= 0);

    /// <summary>Names of the tensor outputs of the session.</summary>
    public IReadOnlyList<string> TensorOutputNames =>
        _handle.Session.OutputMetadata.Where(kv => kv.Value.IsTensor).Select(kv => kv.Key).ToList();

    /// <summary>Runs every row of <paramref name="dataset"/> and returns the outputs in row order.</summary>
    /// <exception cref="InvalidEvaluationRequestException">An output is missing or not a tensor.</exception>
    public RunOutputs Run(EvaluationDataset dataset, int batchSize, IReadOnlyList<string>? outputNames = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var outputs = ResolveOutputs(outputNames);
        var batch = EffectiveBatchSize(batchSize);
        var inputNames = _handle.Session.InputMetadata.Keys.ToList();
        foreach (var name in inputNames)
        {
            if (!dataset.Inputs.ContainsKey(name))
            {
                throw new InvalidEvaluationRequestException($"The dataset has no array for model input '{name}'. Map an array to it in the dataset manifest.");
            }
        }

        // Everything that does not change between batches is resolved once: at batch 1 a run costs microseconds
        // and per-batch lookups, shape clones and ORT type queries showed up as a 6-8% overhead.
        var arrays = inputNames.Select(n => dataset.Inputs[n]).ToArray();
        var rowSizes = arrays.Select(a => checked((int)a.RowSize)).ToArray();
        var shapes = arrays.Select(a => (long[])a.Shape.Clone()).ToArray();
        var collected = new Array?[outputs.Count];
        var outputRowSizes = new long[outputs.Count];
        var outputTypes = new TensorElementType[outputs.Count];
        var outputShapes = new long[outputs.Count][];
        var inputValues = new OrtValue[inputNames.Count];
        using var runOptions = new RunOptions();
        var inferenceTicks = 0L;
        var total = Stopwatch.StartNew();
        var batches = 0;

        for (var start = 0; start < dataset.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(batch, dataset.Count - start);
            var padded = rows < batch && !HasDynamicBatch;
            var feedRows = padded ? batch : rows;
            try
            {
                for (var i = 0; i < inputNames.Count; i++)
                {
                    shapes[i][0] = feedRows;
                    inputValues[i] = padded
                        ? TensorMarshal.WrapRows(Pad(arrays[i], start, rows, batch), 0, batch, rowSizes[i], shapes[i])
                        : TensorMarshal.WrapRows(arrays[i], start, rows, rowSizes[i], shapes[i]);
                }

                var t0 = Stopwatch.GetTimestamp();
                using var results = _handle.Session.Run(runOptions, inputNames, inputValues, outputs);
                inferenceTicks += Stopwatch.GetTimestamp() - t0;
                batches++;

                for (var o = 0; o < outputs.Count; o++)
                {
                    var value = results[o];
                    if (collected[o] is null)
                    {
                        var info = value.GetTensorTypeAndShape();
                        var kind = TensorMarshal.CollectedKind(info.ElementDataType);
                        if (kind == TensorElementKind.Undefined)
                        {
                            throw new InvalidEvaluationRequestException($"Output '{outputs[o]}' has element type {info.ElementDataType}, which FunctionsOpt cannot score.");
                        }

                        if (info.Shape.Length == 0 || info.Shape[0] != feedRows)
                        {
                            throw new InvalidEvaluationRequestException(
                                $"Output '{outputs[o]}' has shape [{string.Join(",", info.Shape)}] for a batch of {feedRows}; FunctionsOpt expects axis 0 of every output to be the batch axis.");
                        }

                        outputTypes[o] = info.ElementDataType;
                        outputRowSizes[o] = info.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
                        outputShapes[o] = info.Shape.ToArray();
                        collected[o] = Array.CreateInstance(DataArray.ClrTypeOf(kind), dataset.Count * outputRowSizes[o]);
                    }

                    TensorMarshal.CopyOut(value, outputTypes[o], collected[o]!, start * outputRowSizes[o], rows * outputRowSizes[o]);
                }
            }
            finally
            {
                foreach (var v in inputValues)
                {
                    v?.Dispose();
                }

                Array.Clear(inputValues);
            }
        }

        var map = new Dictionary<string, DataArray>(StringComparer.Ordinal);
        for (var o = 0; o < outputs.Count; o++)
        {
            var shape = outputShapes[o] ?? [0];
            shape = (long[])shape.Clone();
            shape[0] = dataset.Count;
            var array = collected[o] ?? Array.Empty<float>();
            var kind = array switch
            {
                float[] => TensorElementKind.Float,
                double[] => TensorElementKind.Double,
                long[] => TensorElementKind.Int64,
                int[] => TensorElementKind.Int32,
                byte[] => TensorElementKind.UInt8,
                _ => TensorElementKind.Bool,
            };
            map[outputs[o]] = new DataArray(kind, shape, array);
        }

        return new RunOutputs(map, batch, batches, TimeSpan.FromTicks(inferenceTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency), total.Elapsed);
    }

    private List<string> ResolveOutputs(IReadOnlyList<string>? requested)
    {
        var metadata = _handle.Session.OutputMetadata;
        if (requested is null || requested.Count == 0)
        {
            var names = TensorOutputNames.ToList();
            if (names.Count == 0)
            {
                throw new InvalidEvaluationRequestException(
                    "The model has no tensor outputs (sequence/map outputs such as ZipMap cannot be scored). Re-export it with tensor outputs (e.g. skl2onnx options zipmap=False).");
            }

            return names;
        }

        foreach (var name in requested)
        {
            if (!metadata.TryGetValue(name, out var meta))
            {
                throw new InvalidEvaluationRequestException($"The model has no output '{name}'. Its outputs are: {string.Join(", ", metadata.Keys)}.");
            }

            if (!meta.IsTensor)
            {
                throw new InvalidEvaluationRequestException($"Output '{name}' is not a tensor and cannot be scored. Re-export it as a tensor output.");
            }
        }

        return requested.ToList();
    }

    private static DataArray Pad(DataArray array, int start, int rows, int batch)
    {
        var indices = new int[batch];
        for (var i = 0; i < batch; i++)
        {
            indices[i] = start + Math.Min(i, rows - 1);
        }

        return array.SelectRows(indices);
    }
}

/// <summary>Outputs of a dataset run, row-aligned with the dataset.</summary>
/// <param name="Outputs">Collected outputs by name.</param>
/// <param name="BatchSize">Rows per run.</param>
/// <param name="Batches">Number of runs.</param>
/// <param name="InferenceTime">Sum of the time spent inside <c>Run</c>.</param>
/// <param name="TotalTime">Wall time including marshalling.</param>
public sealed record RunOutputs(
    IReadOnlyDictionary<string, DataArray> Outputs,
    int BatchSize,
    int Batches,
    TimeSpan InferenceTime,
    TimeSpan TotalTime);
