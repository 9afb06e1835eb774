using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Tests.TestKit;

namespace FunctionsOpt.Core.Tests.Evaluation;

public sealed class ModelRunnerTests
{
    // W = [[1,2,3],[4,5,6]], b = [0.5,-1,0]; for x = [i, 1]: y = [i + 4.5, 2i + 4, 3i + 6] (hand computed).
    private static readonly float[] W = [1, 2, 3, 4, 5, 6];
    private static readonly float[] B = [0.5f, -1, 0];

    private static EvaluationDataset Rows(int count)
    {
        var x = new float[count * 2];
        for (var i = 0; i < count; i++)
        {
            x[2 * i] = i;
            x[(2 * i) + 1] = 1;
        }

        return new EvaluationDataset(new Dictionary<string, DataArray> { ["x"] = DataArray.FromFloats(x, count, 2) });
    }

    private static void AssertLinearOutputs(DataArray y, int count)
    {
        Assert.Equal([count, 3L], y.Shape);
        var values = (float[])y.Data;
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i + 4.5f, values[3 * i]);
            Assert.Equal((2 * i) + 4f, values[(3 * i) + 1]);
            Assert.Equal((3 * i) + 6f, values[(3 * i) + 2]);
        }
    }

    [Fact]
    public void Run_DynamicBatchWithRemainder_ReturnsEveryRowInOrder()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B), temp.Path);
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());

        var outputs = new ModelRunner(handle).Run(Rows(10), batchSize: 4);

        // 10 rows at batch 4 = runs of 4, 4, 2.
        Assert.Equal(3, outputs.Batches);
        Assert.Equal(4, outputs.BatchSize);
        AssertLinearOutputs(outputs.Outputs["y"], 10);
    }

    [Fact]
    public void Run_FixedBatchModelWithRemainder_PadsLastBatchAndDropsPadding()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B, fixedBatch: 4), temp.Path);
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());
        var runner = new ModelRunner(handle);

        var outputs = runner.Run(Rows(10), batchSize: 32);

        Assert.False(runner.HasDynamicBatch);
        Assert.Equal(4, outputs.BatchSize);
        Assert.Equal(3, outputs.Batches);
        AssertLinearOutputs(outputs.Outputs["y"], 10);
    }

    [Fact]
    public void Run_FixedBatchOne_RunsOneRowAtATime()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B, fixedBatch: 1), temp.Path);
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());

        var outputs = new ModelRunner(handle).Run(Rows(5), batchSize: 64);

        Assert.Equal(5, outputs.Batches);
        AssertLinearOutputs(outputs.Outputs["y"], 5);
    }

    [Fact]
    public void Run_SelectedOutput_CollectsOnlyThatOutput()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B, softmax: true), temp.Path);
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());

        var outputs = new ModelRunner(handle).Run(Rows(3), 2, ["probs"]);

        var probs = Assert.Single(outputs.Outputs).Value.ToDoubleArray();
        // Row 0: softmax([4.5, 4, 6]).
        var e = new[] { Math.Exp(4.5), Math.Exp(4), Math.Exp(6) };
        Assert.Equal(e[2] / e.Sum(), probs[2], 6);
    }

    [Fact]
    public void Run_UnknownOutput_ThrowsListingOutputs()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B), temp.Path);
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());

        var error = Assert.Throws<InvalidEvaluationRequestException>(() => new ModelRunner(handle).Run(Rows(3), 2, ["logits"]));

        Assert.Contains("no output 'logits'", error.Message, StringComparison.Ordinal);
        Assert.Contains("y", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DatasetWithoutModelInput_ThrowsNamingInput()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Save(TinyModels.Linear(2, 3, W, B), temp.Path);
        using var handle = new InferenceSessionFactory().Create(path, new SessionSettings());
        var dataset = new EvaluationDataset(new Dictionary<string, DataArray> { ["features"] = DataArray.FromFloats(new float[4], 2, 2) });

        var error = Assert.Throws<InvalidEvaluationRequestException>(() => new ModelRunner(handle).Run(dataset, 2));

        Assert.Contains("no array for model input 'x'", error.Message, StringComparison.Ordinal);
    }
}
