using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class DatasetModelValidatorTests
{
    private static TensorInfo Input(string name, TensorElementKind kind, params long?[] dims) =>
        new(name, kind, dims.Select(d => d is null ? TensorDimension.Symbolic("N") : TensorDimension.Fixed(d.Value)).ToList());

    private static EvaluationDataset Data(params (string Name, DataArray Array)[] arrays) =>
        new(arrays.ToDictionary(a => a.Name, a => a.Array));

    private static DataArray Floats(params long[] shape) => DataArray.FromFloats(new float[shape.Aggregate(1L, (a, b) => a * b)], shape);

    [Fact]
    public void Validate_MatchingData_NoErrorsOrNotes()
    {
        var report = DatasetModelValidator.Validate(Data(("x", Floats(6, 4))), [Input("x", TensorElementKind.Float, null, 4)]);

        Assert.True(report.IsValid);
        Assert.Empty(report.Errors);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void Validate_MissingInput_ReportsInputAndAvailableArrays()
    {
        var report = DatasetModelValidator.Validate(
            Data(("x", Floats(6, 4))),
            [Input("x", TensorElementKind.Float, null, 4), Input("mask", TensorElementKind.Int64, null, 4)]);

        var error = Assert.Single(report.Errors);
        Assert.Contains("model input 'mask' (int64 [N,4]) has no data", error, StringComparison.Ordinal);
        Assert.Contains("data has 'x'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ArrayNotAModelInput_ReportsIt()
    {
        var report = DatasetModelValidator.Validate(Data(("x", Floats(6, 4)), ("extra", Floats(6, 1))), [Input("x", TensorElementKind.Float, null, 4)]);

        var error = Assert.Single(report.Errors);
        Assert.Contains("array 'extra' is not a model input (model inputs: 'x')", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RankMismatch_ReportsBothRanks()
    {
        var report = DatasetModelValidator.Validate(Data(("x", Floats(6, 12))), [Input("x", TensorElementKind.Float, null, 3, 4)]);

        var error = Assert.Single(report.Errors);
        Assert.Contains("input 'x' has rank 2 (shape [6,12]) but the model expects rank 3 ([N,3,4])", error, StringComparison.Ordinal);
        Assert.Contains("(N, 3, 4)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FixedDimsDiffer_ReportsEachAxisExpectedActual()
    {
        var report = DatasetModelValidator.Validate(Data(("img", Floats(2, 3, 32, 30))), [Input("img", TensorElementKind.Float, null, 3, 28, 28)]);

        Assert.Equal(2, report.Errors.Count);
        Assert.Contains("input 'img' axis 2: expected 28, actual 32", report.Errors[0], StringComparison.Ordinal);
        Assert.Contains("input 'img' axis 3: expected 28, actual 30", report.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_IncompatibleElementType_ReportsTypesAndAstypeFix()
    {
        var report = DatasetModelValidator.Validate(
            Data(("x", DataArray.FromInt64s([1, 2], 2, 1))), [Input("x", TensorElementKind.Float, null, 1)]);

        var error = Assert.Single(report.Errors);
        Assert.Contains("input 'x' is int64 but the model expects float", error, StringComparison.Ordinal);
        Assert.Contains("arr.astype(np.float32)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnfeedableModelType_ReportsType()
    {
        var report = DatasetModelValidator.Validate(Data(("x", Floats(2, 1))), [Input("x", TensorElementKind.Float16, null, 1)]);

        Assert.Contains("element type float16, which evaluation data cannot feed", Assert.Single(report.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TensorElementKind.Double, TensorElementKind.Float, "float64 data is converted to float32")]
    [InlineData(TensorElementKind.Float, TensorElementKind.Double, "float32 data is widened to float64")]
    [InlineData(TensorElementKind.Int32, TensorElementKind.Int64, "int32 data is widened to int64")]
    [InlineData(TensorElementKind.Int64, TensorElementKind.Int32, "int64 data is narrowed to int32")]
    [InlineData(TensorElementKind.UInt8, TensorElementKind.Float, "uint8 data is converted to float")]
    [InlineData(TensorElementKind.Bool, TensorElementKind.Float, "bool data is converted to float")]
    public void Validate_SafeConversion_IsANoteNotAnError(TensorElementKind data, TensorElementKind model, string note)
    {
        var array = DataArray.FromFloats([0f, 1f], 2, 1).ConvertTo(data);

        var report = DatasetModelValidator.Validate(Data(("x", array)), [Input("x", model, null, 1)]);

        Assert.Empty(report.Errors);
        Assert.Contains(note, Assert.Single(report.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Int64OutOfInt32Range_ReportsRange()
    {
        var report = DatasetModelValidator.Validate(
            Data(("ids", DataArray.FromInt64s([5, 3_000_000_000], 2))), [Input("ids", TensorElementKind.Int32, [null])]);

        var error = Assert.Single(report.Errors);
        Assert.Contains("1 value(s) are outside the int32 range (min 5, max 3000000000)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FixedBatchNotDividingRows_NotesPadding()
    {
        var report = DatasetModelValidator.Validate(Data(("x", Floats(10, 2))), [Input("x", TensorElementKind.Float, 4, 2)]);

        Assert.Empty(report.Errors);
        Assert.Contains("fixed batch of 4 and the data has 10 samples", Assert.Single(report.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FixedBatchDividingRows_NoNote()
    {
        var report = DatasetModelValidator.Validate(Data(("x", Floats(8, 2))), [Input("x", TensorElementKind.Float, 4, 2)]);

        Assert.True(report.IsValid);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void Validate_UnknownRankModelInput_NoteOnly()
    {
        var report = DatasetModelValidator.Validate(Data(("x", Floats(3, 5, 7))), [new TensorInfo("x", TensorElementKind.Float, null)]);

        Assert.Empty(report.Errors);
        Assert.Contains("declares no shape", Assert.Single(report.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAllAtOnce()
    {
        var report = DatasetModelValidator.Validate(
            Data(("x", Floats(4, 3)), ("y", Floats(4, 1))),
            [Input("x", TensorElementKind.Float, null, 3, 1), Input("z", TensorElementKind.Int64, [null])]);

        Assert.Equal(3, report.Errors.Count);
        Assert.Contains(report.Errors, e => e.Contains("'z'", StringComparison.Ordinal) && e.Contains("has no data", StringComparison.Ordinal));
        Assert.Contains(report.Errors, e => e.Contains("array 'y' is not a model input", StringComparison.Ordinal));
        Assert.Contains(report.Errors, e => e.Contains("input 'x' has rank 2", StringComparison.Ordinal));
    }

    [Fact]
    public void ThrowIfInvalid_WithErrors_ThrowsWithEveryProblem()
    {
        var report = new ValidationReport(["first", "second"], []);

        var ex = Assert.Throws<InvalidEvaluationDataException>(report.ThrowIfInvalid);

        Assert.Equal(["first", "second"], ex.Problems);
        Assert.Contains("2 problem(s)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conform_SafeConversions_ReturnsModelElementTypes()
    {
        var dataset = new EvaluationDataset(
            new Dictionary<string, DataArray>
            {
                ["x"] = DataArray.FromDoubles([0.5, -1.25], 2, 1),
                ["ids"] = new(TensorElementKind.Int32, [2], new[] { 7, -3 }),
            },
            labels: DataArray.FromInt64s([1, 0], 2));

        var conformed = DatasetModelValidator.Conform(
            dataset, [Input("x", TensorElementKind.Float, null, 1), Input("ids", TensorElementKind.Int64, [null])]);

        Assert.Equal([0.5f, -1.25f], (float[])conformed.Inputs["x"].Data);
        Assert.Equal([7L, -3L], (long[])conformed.Inputs["ids"].Data);
        Assert.Same(dataset.Labels, conformed.Labels);
    }

    [Fact]
    public void Conform_AlreadyMatching_ReturnsSameDataset()
    {
        var dataset = Data(("x", Floats(2, 1)));

        Assert.Same(dataset, DatasetModelValidator.Conform(dataset, [Input("x", TensorElementKind.Float, null, 1)]));
    }

    [Fact]
    public void Conform_Mismatch_ThrowsInvalidEvaluationData()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => DatasetModelValidator.Conform(Data(("x", Floats(2, 3))), [Input("x", TensorElementKind.Float, null, 4)]));

        Assert.Contains("axis 1: expected 4, actual 3", ex.Message, StringComparison.Ordinal);
    }
}
