using System.Text;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class CsvDatasetReaderTests
{
    private static CsvReadResult Read(string csv, CsvReadOptions? options = null) =>
        CsvDatasetReader.Read(new StringReader(csv), options ?? new CsvReadOptions { LabelColumn = "label", InputName = "features" }, "test.csv");

    [Fact]
    public void Read_NumericFeaturesAndStringLabels_BuildsFloatMatrixAndOrdinalClasses()
    {
        var result = Read("a,b,label\n1.5,-2,dog\n0,3e2,cat\n4,5,bird\n");

        var features = result.Dataset.Inputs["features"];
        Assert.Equal(TensorElementKind.Float, features.ElementType);
        Assert.Equal([3L, 2L], features.Shape);
        Assert.Equal([1.5f, -2f, 0f, 300f, 4f, 5f], (float[])features.Data);
        Assert.Equal(["bird", "cat", "dog"], result.Dataset.ClassNames!);
        Assert.Equal([2L, 1L, 0L], (long[])result.Dataset.Labels!.Data);
        Assert.Equal(["a", "b"], result.FeatureColumns);
        Assert.Equal(3, result.RowsRead);
        Assert.Empty(result.DroppedRows);
    }

    [Fact]
    public void Read_QuotedFields_HandlesCommasEscapedQuotesAndLineBreaks()
    {
        var csv = "\"len, cm\",\"w\"\"idth\",label\r\n\"1,5\",2,\"say \"\"hi\"\"\"\r\n3,\"4\",\"two\nlines\"\r\n5,6,plain\r\n";

        // "1,5" is not a number in the invariant culture, so check parsing on a row without it.
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read(csv));
        Assert.Contains("line 2 column 'len, cm' value '1,5'", ex.Message, StringComparison.Ordinal);

        var result = Read(csv.Replace("\"1,5\"", "\"1.5\"", StringComparison.Ordinal));
        Assert.Equal(["len, cm", "w\"idth"], result.FeatureColumns);
        Assert.Equal([1.5f, 2f, 3f, 4f, 5f, 6f], (float[])result.Dataset.Inputs["features"].Data);
        Assert.Equal(["plain", "say \"hi\"", "two\nlines"], result.Dataset.ClassNames!);
        Assert.Equal([1L, 2L, 0L], (long[])result.Dataset.Labels!.Data);
    }

    [Fact]
    public void Read_IntegerLabels_UsedAsClassIds()
    {
        var result = Read("a,label\n1,2\n2,0\n3,5\n");

        Assert.Equal([2L, 0L, 5L], (long[])result.Dataset.Labels!.Data);
        Assert.Null(result.Dataset.ClassNames);
    }

    [Fact]
    public void Read_NegativeIntegerLabels_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,label\n1,-1\n"));

        Assert.Contains("negative class ids", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExplicitClassNames_UsesGivenOrder()
    {
        var options = new CsvReadOptions { LabelColumn = "label", InputName = "x", ClassNames = ["dog", "cat", "bird"] };

        var result = Read("a,label\n1,bird\n2,dog\n3,cat\n", options);

        Assert.Equal([2L, 0L, 1L], (long[])result.Dataset.Labels!.Data);
        Assert.Equal(["dog", "cat", "bird"], result.Dataset.ClassNames!);
    }

    [Fact]
    public void Read_LabelNotInClassNames_ThrowsNamingLabelAndLine()
    {
        var options = new CsvReadOptions { LabelColumn = "label", InputName = "x", ClassNames = ["dog", "cat"] };

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,label\n1,dog\n2,fish\n", options));

        Assert.Contains("line 3 label 'fish'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not in ClassNames", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Regression_LabelsAreDoubles()
    {
        var options = new CsvReadOptions { LabelColumn = "y", InputName = "x", Task = DatasetTask.Regression };

        var result = Read("y,a\n0.1,1\n-2.5,2\n", options);

        Assert.Equal(TensorElementKind.Double, result.Dataset.Labels!.ElementType);
        Assert.Equal([0.1, -2.5], (double[])result.Dataset.Labels.Data);
        Assert.Equal([1f, 2f], (float[])result.Dataset.Inputs["x"].Data);
    }

    [Fact]
    public void Read_RegressionNonNumericLabel_Throws()
    {
        var options = new CsvReadOptions { LabelColumn = "y", InputName = "x", Task = DatasetTask.Regression };

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("y,a\nhigh,1\n", options));

        Assert.Contains("line 2 value 'high'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingValues_ErrorListsLinesAndColumns()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,b,label\n1,2,x\n3,NA,x\n4,5,y\n, n/a ,None\n6,7,x\n"));

        Assert.Contains("4 missing value(s) in 2 row(s)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 3 column 'b'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 5 column 'a'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 5 column 'label'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DropRows", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, ex.Problems.Count);
    }

    [Fact]
    public void Read_ManyMissingValues_CapsListingAndGivesTotal()
    {
        var csv = new StringBuilder("a,label\n");
        for (var i = 0; i < 25; i++)
        {
            csv.Append("null,x\n");
        }

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read(csv.ToString()));

        Assert.Contains("25 missing value(s)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 21 column 'a'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line 22 column", ex.Message, StringComparison.Ordinal);
        Assert.Contains("and 5 more", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DropRows_DropsRowsAndRecordsLineNumbers()
    {
        var options = new CsvReadOptions { LabelColumn = "label", InputName = "x", MissingValues = MissingValuePolicy.DropRows };

        var result = Read("a,b,label\n1,2,x\n3,NaN,x\n4,5,y\n6,7,\n8,9,x\n", options);

        Assert.Equal([3, 5], result.DroppedRows);
        Assert.Equal(2, result.DroppedRowCount);
        Assert.Equal(5, result.RowsRead);
        Assert.Equal(3, result.Dataset.Count);
        Assert.Equal([1f, 2f, 4f, 5f, 8f, 9f], (float[])result.Dataset.Inputs["x"].Data);
        Assert.Equal([0L, 1L, 0L], (long[])result.Dataset.Labels!.Data);
    }

    [Fact]
    public void Read_DropRowsLeavingNothing_Throws()
    {
        var options = new CsvReadOptions { LabelColumn = "label", InputName = "x", MissingValues = MissingValuePolicy.DropRows };

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,label\n,x\n", options));

        Assert.Contains("leaves nothing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonNumericFeature_ThrowsNamingLineColumnAndValue()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,b,label\n1,2,x\n3,tall,y\n"));

        Assert.Contains("line 3 column 'b' value 'tall'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FeatureColumns_FollowsGivenOrderAndSkipsOthers()
    {
        var options = new CsvReadOptions { LabelColumn = "label", InputName = "x", FeatureColumns = ["c", "a"] };

        var result = Read("a,b,c,label\n1,junk,3,x\n", options);

        Assert.Equal(["c", "a"], result.FeatureColumns);
        Assert.Equal([3f, 1f], (float[])result.Dataset.Inputs["x"].Data);
    }

    [Fact]
    public void Read_UnknownColumns_ThrowsListingEveryProblemAndAvailableColumns()
    {
        var options = new CsvReadOptions { LabelColumn = "species", InputName = "x", FeatureColumns = ["a", "zz"] };

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,b,label\n1,2,x\n", options));

        Assert.Contains("label column 'species' is not in the header", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'zz'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("available columns: 'a', 'b', 'label'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Problems.Count);
    }

    [Fact]
    public void Read_RaggedRow_ThrowsNamingLineAndCounts()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,b,label\n1,2,x\n3,4,5,y\n"));

        Assert.Contains("line 3 has 4 fields but the header has 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnclosedQuote_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,label\n\"1,x\n"));

        Assert.Contains("never closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoInputName_Throws()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,label\n1,x\n", new CsvReadOptions { LabelColumn = "label" }));

        Assert.Contains("InputName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderOnly_ThrowsNoDataRows()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => Read("a,label\n"));

        Assert.Contains("no data rows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoLabelColumn_ReadsUnlabeledDataset()
    {
        var result = Read("a,b\n1,2\n\n3,4\n", new CsvReadOptions { InputName = "x" });

        Assert.Null(result.Dataset.Labels);
        Assert.Equal([1f, 2f, 3f, 4f], (float[])result.Dataset.Inputs["x"].Data);
    }
}
