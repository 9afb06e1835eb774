using FunctionsOpt.Core.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FunctionsOpt.Benchmarks;

/// <summary>
/// The baseline: the batch loop a user writes against the ORT C# API directly. For each batch it wraps slices of the
/// same input arrays with <see cref="OrtValue.CreateTensorValueFromMemory{T}(OrtMemoryInfo, Memory{T}, long[])"/>,
/// calls <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// and copies every requested output into a result array allocated once, up front (so the baseline keeps the outputs
/// like the runner does, but pays no allocation for them inside the timed loop). Float32 inputs and outputs only.
/// </summary>
internal sealed class RawOrtLoop : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly float[][] _inputs;
    private readonly long[][] _inputShapes;
    private readonly int[] _inputRowSizes;
    private readonly string[] _outputNames;
    private readonly int[] _outputRowSizes;
    private readonly int _rows;
    private readonly int _batch;
    private readonly bool _dynamicBatch;
    private readonly RunOptions _runOptions = new();

    public RawOrtLoop(InferenceSession session, EvaluationDataset dataset, int batch, IReadOnlyList<string> outputNames)
    {
        _session = session;
        _rows = dataset.Count;
        _batch = batch;
        _inputNames = session.InputMetadata.Keys.ToArray();
        _inputs = new float[_inputNames.Length][];
        _inputShapes = new long[_inputNames.Length][];
        _inputRowSizes = new int[_inputNames.Length];
        _dynamicBatch = true;
        for (var i = 0; i < _inputNames.Length; i++)
        {
            var array = dataset.Inputs[_inputNames[i]];
            _inputs[i] = array.Data as float[]
                ?? throw new NotSupportedException($"The raw loop feeds float32 inputs only; '{_inputNames[i]}' is {array.ElementType}.");
            _inputShapes[i] = (long[])array.Shape.Clone();
            _inputRowSizes[i] = checked((int)array.RowSize);
            var dims = session.InputMetadata[_inputNames[i]].Dimensions;
            _dynamicBatch &= dims.Length > 0 && dims[0] <= 0;
        }

        if (!_dynamicBatch && _rows % batch != 0)
        {
            throw new ArgumentException($"A fixed-batch model needs a row count divisible by the batch ({_rows} % {batch} != 0).");
        }

        _outputNames = outputNames.ToArray();
        _outputRowSizes = new int[_outputNames.Length];
        var results = new float[_outputNames.Length][];
        for (var o = 0; o < _outputNames.Length; o++)
        {
            var meta = session.OutputMetadata[_outputNames[o]];
            if (meta.ElementDataType != TensorElementType.Float || meta.Dimensions.Skip(1).Any(d => d <= 0))
            {
                throw new NotSupportedException($"The raw loop collects float32 outputs with fixed non-batch axes; '{_outputNames[o]}' does not qualify.");
            }

            _outputRowSizes[o] = meta.Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);
            results[o] = new float[(long)_rows * _outputRowSizes[o]];
        }

        Results = results;
    }

    /// <summary>The collected outputs, row-aligned with the dataset, in the order of the requested output names.</summary>
    public IReadOnlyList<float[]> Results { get; }

    /// <summary>Runs every row once.</summary>
    public void Run()
    {
        var values = new OrtValue[_inputNames.Length];
        for (var start = 0; start < _rows; start += _batch)
        {
            var count = Math.Min(_batch, _rows - start);
            try
            {
                for (var i = 0; i < values.Length; i++)
                {
                    var shape = _inputShapes[i];
                    shape[0] = count;
                    var rowSize = _inputRowSizes[i];
                    values[i] = OrtValue.CreateTensorValueFromMemory(
                        OrtMemoryInfo.DefaultInstance, _inputs[i].AsMemory(start * rowSize, count * rowSize), shape);
                }

                using var outputs = _session.Run(_runOptions, _inputNames, values, _outputNames);
                var o = 0;
                foreach (var output in outputs)
                {
                    var rowSize = _outputRowSizes[o];
                    output.GetTensorDataAsSpan<float>()[..(count * rowSize)].CopyTo(Results[o].AsSpan(start * rowSize));
                    o++;
                }
            }
            finally
            {
                foreach (var value in values)
                {
                    value?.Dispose();
                }
            }
        }
    }

    public void Dispose() => _runOptions.Dispose();
}
