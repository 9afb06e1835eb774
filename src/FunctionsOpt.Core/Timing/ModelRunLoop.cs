using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using Microsoft.ML.OnnxRuntime;

namespace FunctionsOpt.Core.Timing;

/// <summary>
/// One session ready to be called in a timed loop on fixed inputs: inputs wrapped once, and, when the settings ask for
/// IO binding and every output is a tensor, outputs allocated once and bound, so a call measures the model rather than
/// per-call marshalling. Not thread-safe; dispose to free the native values.
/// </summary>
public sealed class ModelRunLoop : IDisposable
{
    private readonly InferenceSession _session;
    private readonly List<string> _names;
    private readonly List<OrtValue> _values;
    private readonly List<string> _outputNames;
    private readonly List<OrtValue> _outputValues = [];
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding? _binding;

    /// <summary>Wraps the inputs and runs the model once (that call also discovers the output shapes to bind).</summary>
    public ModelRunLoop(InferenceSession session, IReadOnlyDictionary<string, DataArray> inputs, bool useIoBinding)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(inputs);
        _session = session;
        _names = inputs.Keys.ToList();
        _values = _names.Select(n => TensorMarshal.WrapRows(inputs[n], 0, inputs[n].Rows, inputs[n].Shape)).ToList();
        _outputNames = session.OutputMetadata.Keys.ToList();
        try
        {
            using var first = session.Run(_runOptions, _names, _values, _outputNames);
            if (useIoBinding && first.All(v => v.OnnxType == OnnxValueType.ONNX_TYPE_TENSOR))
            {
                _binding = session.CreateIoBinding();
                for (var i = 0; i < _names.Count; i++)
                {
                    _binding.BindInput(_names[i], _values[i]);
                }

                foreach (var (name, value) in _outputNames.Zip(first))
                {
                    var info = value.GetTensorTypeAndShape();
                    var output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, info.Shape);
                    _outputValues.Add(output);
                    _binding.BindOutput(name, output);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Whether calls go through IO binding.</summary>
    public bool IoBound => _binding is not null;

    /// <summary>One inference call.</summary>
    public void Run()
    {
        if (_binding is not null)
        {
            _session.RunWithBinding(_runOptions, _binding);
            return;
        }

        using var results = _session.Run(_runOptions, _names, _values, _outputNames);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _binding?.Dispose();
        foreach (var v in _outputValues)
        {
            v.Dispose();
        }

        foreach (var v in _values)
        {
            v.Dispose();
        }

        _runOptions.Dispose();
    }
}
