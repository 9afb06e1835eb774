namespace FunctionsOpt.Core.Data;

/// <summary>What the label column of a tabular dataset means.</summary>
public enum DatasetTask
{
    /// <summary>Labels are classes (strings or integer ids), stored as int64 class ids.</summary>
    Classification,

    /// <summary>Labels are numeric targets, stored as float64.</summary>
    Regression,
}

/// <summary>What to do with rows that have missing values.</summary>
public enum MissingValuePolicy
{
    /// <summary>Fail, listing the rows and columns with missing values.</summary>
    Error,

    /// <summary>Drop those rows and record which ones in <see cref="CsvReadResult.DroppedRows"/>.</summary>
    DropRows,
}

/// <summary>How to turn a CSV file (header row, one sample per row) into an evaluation dataset.</summary>
public sealed class CsvReadOptions
{
    /// <summary>The column holding labels; null reads an unlabeled dataset.</summary>
    public string? LabelColumn { get; set; }

    /// <summary>Feature columns in the order the model expects; null means every other column, in file order.</summary>
    public IReadOnlyList<string>? FeatureColumns { get; set; }

    /// <summary>The model input the features feed, as a float32 [N,F] array. Required.</summary>
    public string? InputName { get; set; }

    /// <summary>How labels are read. Default <see cref="DatasetTask.Classification"/>.</summary>
    public DatasetTask Task { get; set; } = DatasetTask.Classification;

    /// <summary>What to do with missing values. Default <see cref="MissingValuePolicy.Error"/>; values are never zero-filled.</summary>
    public MissingValuePolicy MissingValues { get; set; } = MissingValuePolicy.Error;

    /// <summary>Class names in class-id order; when null, string classes are numbered in ordinal sort order.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }
}

/// <summary>A dataset read from CSV plus what the reader did to get it.</summary>
public sealed class CsvReadResult
{
    /// <summary>Creates the result.</summary>
    public CsvReadResult(EvaluationDataset dataset, IReadOnlyList<int> droppedRows, IReadOnlyList<string> featureColumns, int rowsRead)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(droppedRows);
        ArgumentNullException.ThrowIfNull(featureColumns);
        Dataset = dataset;
        DroppedRows = droppedRows;
        FeatureColumns = featureColumns;
        RowsRead = rowsRead;
    }

    /// <summary>The dataset (features as float32 [N,F] under the configured input name).</summary>
    public EvaluationDataset Dataset { get; }

    /// <summary>Line numbers (1-based, the header is line 1) of rows dropped for missing values, ascending.</summary>
    public IReadOnlyList<int> DroppedRows { get; }

    /// <summary>Number of rows dropped.</summary>
    public int DroppedRowCount => DroppedRows.Count;

    /// <summary>The feature columns used, in feature order.</summary>
    public IReadOnlyList<string> FeatureColumns { get; }

    /// <summary>Data rows in the file, before any were dropped.</summary>
    public int RowsRead { get; }
}
