namespace FunctionsOpt.Core.Data;

/// <summary>
/// An evaluation set: one array per model input (axis 0 = sample), optional labels (class ids as int64 for
/// classification, float64 targets for regression) and optional reference outputs. Every array has the same
/// number of rows.
/// </summary>
public sealed class EvaluationDataset
{
    /// <summary>Creates the dataset and checks that every array has the same row count.</summary>
    public EvaluationDataset(
        IReadOnlyDictionary<string, DataArray> inputs,
        DataArray? labels = null,
        IReadOnlyList<string>? classNames = null,
        IReadOnlyDictionary<string, DataArray>? referenceOutputs = null,
        string source = "")
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("A dataset needs at least one input array.", nameof(inputs));
        }

        var count = inputs.Values.First().Rows;
        foreach (var (name, array) in inputs)
        {
            if (array.Rank == 0 || array.Rows != count)
            {
                throw new ArgumentException($"Input '{name}' has {array.Rows} rows but the first input has {count}.", nameof(inputs));
            }
        }

        if (labels is not null && labels.Rows != count)
        {
            throw new ArgumentException($"Labels have {labels.Rows} rows but the inputs have {count}.", nameof(labels));
        }

        referenceOutputs ??= new Dictionary<string, DataArray>();
        foreach (var (name, array) in referenceOutputs)
        {
            if (array.Rows != count)
            {
                throw new ArgumentException($"Reference output '{name}' has {array.Rows} rows but the inputs have {count}.", nameof(referenceOutputs));
            }
        }

        Inputs = inputs;
        Labels = labels;
        ClassNames = classNames;
        ReferenceOutputs = referenceOutputs;
        Count = count;
        Source = source;
    }

    /// <summary>Arrays keyed by model input name.</summary>
    public IReadOnlyDictionary<string, DataArray> Inputs { get; }

    /// <summary>Labels with shape [N] (or [N,1]), if any.</summary>
    public DataArray? Labels { get; }

    /// <summary>Class names in class-id order, when labels were strings.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Reference model outputs keyed by output name, for fidelity metrics.</summary>
    public IReadOnlyDictionary<string, DataArray> ReferenceOutputs { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Where the data came from (file names), for reports.</summary>
    public string Source { get; }

    /// <summary>A new dataset with the rows at <paramref name="indices"/>, in that order.</summary>
    public EvaluationDataset Select(IReadOnlyList<int> indices) => new(
        Inputs.ToDictionary(kv => kv.Key, kv => kv.Value.SelectRows(indices)),
        Labels?.SelectRows(indices),
        ClassNames,
        ReferenceOutputs.ToDictionary(kv => kv.Key, kv => kv.Value.SelectRows(indices)),
        Source);
}
