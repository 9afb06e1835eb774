using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;

namespace FunctionsOpt.Core.Tests.Data;

public sealed class DatasetLoaderTests
{
    private static readonly TensorInfo[] OneInput = [new("pixels", TensorElementKind.Float, [TensorDimension.Symbolic("N"), TensorDimension.Fixed(2)])];

    [Fact]
    public void Load_NpyWithSingleModelInput_UsesThatInputName()
    {
        var dataset = DatasetLoader.Load(DataFixtures.Path("f4.npy"), new DatasetLoadOptions { ModelInputs = OneInput });

        Assert.Equal(["pixels"], dataset.Inputs.Keys);
        Assert.Equal(2, dataset.Count);
        Assert.Null(dataset.Labels);
    }

    [Fact]
    public void Load_NpyWithInputName_UsesGivenName()
    {
        var dataset = DatasetLoader.Load(DataFixtures.Path("f4.npy"), new DatasetLoadOptions { InputName = "x" });

        Assert.Equal([1.5f, -2.25f, 3.0f, 0.125f], (float[])dataset.Inputs["x"].Data);
    }

    [Fact]
    public void Load_NpyWithoutInputName_ThrowsNamingModelInputs()
    {
        TensorInfo[] two = [new("a", TensorElementKind.Float, null), new("b", TensorElementKind.Float, null)];

        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => DatasetLoader.Load(DataFixtures.Path("f4.npy"), new DatasetLoadOptions { ModelInputs = two }));

        Assert.Contains("'a', 'b'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("set InputName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ScalarNpy_ThrowsSampleAxis()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => DatasetLoader.Load(DataFixtures.Path("scalar_f8.npy"), new DatasetLoadOptions { InputName = "x" }));

        Assert.Contains("scalar", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Npz_SeparatesLabelsEntry()
    {
        var dataset = DatasetLoader.Load(DataFixtures.Path("compressed.npz"));

        Assert.Equal(["x", "mask"], dataset.Inputs.Keys);
        Assert.Equal([0L, 1L, 1L], (long[])dataset.Labels!.Data);
        Assert.Equal(3, dataset.Count);
    }

    [Fact]
    public void Load_NpzWithLabelsArrayOption_UsesThatEntry()
    {
        var dataset = DatasetLoader.Load(DataFixtures.Path("plain.npz"), new DatasetLoadOptions { LabelsArray = "mask" });

        Assert.Equal(["x", "labels"], dataset.Inputs.Keys);
        Assert.Equal([3L, 2L], dataset.Labels!.Shape);
    }

    [Fact]
    public void Load_NpzWithMissingLabelsArray_ThrowsListingEntries()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => DatasetLoader.Load(DataFixtures.Path("plain.npz"), new DatasetLoadOptions { LabelsArray = "y" }));

        Assert.Contains("no entry 'y'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("x, mask, labels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Csv_UsesCsvOptionsAndSingleModelInput()
    {
        using var folder = new TempFolder();
        var path = folder.Write("eval.csv", "a,b,species\n1,2,x\n3,4,y\n");

        var dataset = DatasetLoader.Load(path, new DatasetLoadOptions { ModelInputs = OneInput, Csv = new CsvReadOptions { LabelColumn = "species" } });

        Assert.Equal([1f, 2f, 3f, 4f], (float[])dataset.Inputs["pixels"].Data);
        Assert.Equal(["x", "y"], dataset.ClassNames!);
    }

    [Fact]
    public void Load_ArrayManifest_ResolvesInputsLabelsAndReferenceOutputs()
    {
        using var folder = new TempFolder();
        folder.CopyFixture("manifest_x.npy");
        folder.CopyFixture("manifest_y.npy");
        folder.CopyFixture("manifest_arrays.npz");
        var path = folder.Write("data.json", """
            {
              "inputs": {"x": {"file": "manifest_x.npy"}, "mask": {"file": "manifest_arrays.npz", "array": "mask"}},
              "labels": {"file": "manifest_y.npy"},
              "classNames": ["neg", "pos"],
              "referenceOutputs": {"logits": {"file": "manifest_arrays.npz", "array": "logits"}}
            }
            """);

        var dataset = DatasetLoader.Load(path);

        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], (float[])dataset.Inputs["x"].Data);
        Assert.Equal([1L, 0L, 1L, 1L, 0L, 1L], (long[])dataset.Inputs["mask"].Data);
        Assert.Equal([0L, 1L, 1L], (long[])dataset.Labels!.Data);
        Assert.Equal(["neg", "pos"], dataset.ClassNames!);
        Assert.Equal([0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.7f], (float[])dataset.ReferenceOutputs["logits"].Data);
    }

    [Fact]
    public void LoadWithDetails_CsvManifestWithDropRows_ReportsDroppedLines()
    {
        using var folder = new TempFolder();
        folder.Write("eval.csv", "a,b,species\n1,2,x\n3,,y\n5,6,y\n");
        var path = folder.Write("data.json", """
            {"csv": {"file": "eval.csv", "labelColumn": "species", "input": "features", "task": "classification", "missingValues": "dropRows"}, "classNames": ["y", "x"]}
            """);

        var result = DatasetLoader.LoadWithDetails(path);

        Assert.Equal([3], result.DroppedRows);
        Assert.Equal([1f, 2f, 5f, 6f], (float[])result.Dataset.Inputs["features"].Data);
        Assert.Equal([1L, 0L], (long[])result.Dataset.Labels!.Data);
    }

    [Fact]
    public void Load_ManifestWithProblems_ThrowsListingAll()
    {
        using var folder = new TempFolder();
        var path = folder.Write("data.json", """{"inputs": {"x": {"file": "../x.npy"}, "y": {"file": "gone.npz", "array": "y"}}}""");

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => DatasetLoader.Load(path));

        Assert.Contains("2 problem(s)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Problems.Count);
    }

    [Fact]
    public void Load_ManifestArrayNotInArchive_ThrowsListingEntries()
    {
        using var folder = new TempFolder();
        folder.CopyFixture("manifest_arrays.npz");
        var path = folder.Write("data.json", """{"inputs": {"x": {"file": "manifest_arrays.npz", "array": "nope"}}}""");

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => DatasetLoader.Load(path));

        Assert.Contains("names array 'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("mask, logits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestRowCountMismatch_ThrowsNamingArrays()
    {
        using var folder = new TempFolder();
        folder.CopyFixture("manifest_x.npy");
        folder.CopyFixture("f4.npy");
        var path = folder.Write("data.json", """{"inputs": {"x": {"file": "manifest_x.npy"}, "z": {"file": "f4.npy"}}}""");

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => DatasetLoader.Load(path));

        Assert.Contains("input 'z' has 2 rows but 'x' has 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownExtension_ThrowsListingFormats()
    {
        var ex = Assert.Throws<InvalidEvaluationDataException>(() => DatasetLoader.Load("data.parquet"));

        Assert.Contains("'.parquet'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(".npy, .npz, .csv or a .json manifest", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NpzImagesAndLabels_FourDimensionalInputKeepsShapeAndValues()
    {
        using var folder = new TempFolder();
        var pixels = Enumerable.Range(0, 2 * 3 * 4 * 4).Select(i => i * 0.5f).ToArray();
        var path = folder.Path("images.npz");
        File.WriteAllBytes(path, global::FunctionsOpt.Tests.Shared.TestArrays.Npz(("image", pixels, [2, 3, 4, 4]), ("labels", new long[] { 2, 0 }, [2])));

        var dataset = DatasetLoader.Load(path);

        Assert.Equal([2L, 3, 4, 4], dataset.Inputs["image"].Shape);
        Assert.Equal(pixels, (float[])dataset.Inputs["image"].Data);
        Assert.Equal([2L, 0], (long[])dataset.Labels!.Data);
        Assert.Equal(2, dataset.Count);
    }

    [Fact]
    public void Load_NpzIdsAndMaskWithoutLabels_TwoInt64InputsNoLabels()
    {
        using var folder = new TempFolder();
        var path = folder.Path("tokens.npz");
        File.WriteAllBytes(path, global::FunctionsOpt.Tests.Shared.TestArrays.Npz(
            ("input_ids", new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]),
            ("attention_mask", new long[] { 1, 1, 0, 1, 1, 1 }, [2, 3])));

        var dataset = DatasetLoader.Load(path);

        Assert.Equal(["attention_mask", "input_ids"], dataset.Inputs.Keys.Order());
        Assert.Equal(TensorElementKind.Int64, dataset.Inputs["input_ids"].ElementType);
        Assert.Equal([1L, 1, 0, 1, 1, 1], (long[])dataset.Inputs["attention_mask"].Data);
        Assert.Null(dataset.Labels);
        Assert.False(DatasetLoader.HasLabels(path));
    }

    [Fact]
    public void Load_NpzWithZeroRows_ThrowsNoSamples()
    {
        using var folder = new TempFolder();
        var path = folder.Path("empty.npz");
        File.WriteAllBytes(path, global::FunctionsOpt.Tests.Shared.TestArrays.Npz(("x", Array.Empty<float>(), [0, 2]), ("labels", Array.Empty<long>(), [0])));

        var ex = Assert.Throws<InvalidEvaluationDataException>(() => DatasetLoader.Load(path));

        Assert.Equal("invalid-data", ex.ErrorCode);
        Assert.Contains("'empty.npz' holds no samples", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(folder.Root, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CsvWithoutHeaderRow_ThrowsNamingTheNumericFirstLine()
    {
        using var folder = new TempFolder();
        var path = folder.Write("noheader.csv", "5.1,3.5,0\n4.9,3.0,1\n");

        var ex = Assert.Throws<InvalidEvaluationDataException>(
            () => DatasetLoader.Load(path, new DatasetLoadOptions { InputName = "x", Csv = new CsvReadOptions { LabelColumn = "0" } }));

        Assert.Contains("'noheader.csv' has no header row", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(5.1,3.5,0)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(folder.Root, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HasLabels_EachFormat_ReportsWhetherLabelsArePresent()
    {
        using var folder = new TempFolder();
        var labelled = folder.Path("a.npz");
        File.WriteAllBytes(labelled, global::FunctionsOpt.Tests.Shared.TestArrays.Npz(("x", Enumerable.Repeat(1f, 1).ToArray(), [1, 1]), ("labels", new long[1], [1])));
        var manifest = folder.Write("m.json", "{\"inputs\": {\"x\": {\"file\": \"a.npz\", \"array\": \"x\"}}}");

        Assert.True(DatasetLoader.HasLabels(labelled));
        Assert.False(DatasetLoader.HasLabels(manifest));
        Assert.True(DatasetLoader.HasLabels(folder.Write("d.csv", "a,label\n1,0\n")));
        Assert.False(DatasetLoader.HasLabels(folder.Path("x.npy")));
    }

    [Fact]
    public void Load_NpyWithSiblingLabels_ReadsLabelsFromNameDotLabelsNpy()
    {
        using var folder = new TempFolder();
        var path = folder.Path("eval.npy");
        File.WriteAllBytes(path, global::FunctionsOpt.Tests.Shared.TestArrays.Npy(Enumerable.Range(0, 4).Select(i => (float)i).ToArray(), 2, 2));
        File.WriteAllBytes(folder.Path("eval.labels.npy"), global::FunctionsOpt.Tests.Shared.TestArrays.Npy(Enumerable.Range(1, 2).Select(i => (long)i).ToArray(), 2));

        var dataset = DatasetLoader.Load(path, new DatasetLoadOptions { InputName = "x" });

        Assert.Equal([1L, 2], (long[])dataset.Labels!.Data);
        Assert.Equal([0f, 1f, 2f, 3f], (float[])dataset.Inputs["x"].Data);
        Assert.True(DatasetLoader.HasLabels(path));
    }
}
