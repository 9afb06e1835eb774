using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Tests.TestKit;

namespace FunctionsOpt.Orchestration.Tests.Contracts;

public sealed class RunStateTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Serialize_ThenDeserialize_KeepsEveryField()
    {
        var state = Sample();

        var json = JsonSerializer.Serialize(state, JsonDefaults.Options);
        var back = JsonSerializer.Deserialize<RunState>(json, JsonDefaults.Options)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, JsonDefaults.Options));
        var trial = Assert.Single(back.Trials);
        Assert.Equal(ProviderName.Cuda, trial.Provider!.Requested);
        Assert.Equal(ProviderName.Cpu, trial.Provider.Used);
        Assert.Equal("CUDA 13 libraries missing", trial.Provider.FallbackReason);
        Assert.Equal(0.93, trial.Metrics["accuracy"]);
        Assert.Equal(RunStatus.Searching, back.Status);
        Assert.Equal("runs/run-1/best/model.onnx", back.Artifacts["bestModel"]);
        Assert.Equal("invalid-model", back.Errors[0].Code);
        Assert.Contains("\"profilingBaseline\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"invalid\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTrial_SameTrialIdTwice_KeepsOneResultWithTheLatestValues()
    {
        var state = Sample();
        var redelivered = state.Trials[0] with { Metrics = new Dictionary<string, double> { ["accuracy"] = 0.5 } };

        var updated = state.WithTrial(redelivered).WithTrial(redelivered);

        var trial = Assert.Single(updated.Trials);
        Assert.Equal(0.5, trial.Metrics["accuracy"]);
    }

    [Fact]
    public void WithTrial_NewTrialId_Appends()
    {
        var state = Sample();

        var updated = state.WithTrial(new TrialResult { TrialId = "t-2", Configuration = "fp16" });

        Assert.Equal(["t-1", "t-2"], updated.Trials.Select(t => t.TrialId));
        Assert.Single(state.Trials);
    }

    [Theory]
    [InlineData(RunStatus.Completed, true)]
    [InlineData(RunStatus.Failed, true)]
    [InlineData(RunStatus.Cancelled, true)]
    [InlineData(RunStatus.Searching, false)]
    [InlineData(RunStatus.Pending, false)]
    public void IsTerminal_Status_MatchesTheLifecycle(RunStatus status, bool terminal)
    {
        Assert.Equal(terminal, (Sample() with { Status = status }).IsTerminal);
    }

    private static RunState Sample()
    {
        var spec = SpecValidator.Default.Parse(SpecSamples.Full);
        return (RunState.Create("run-1", spec, Created) with
        {
            Status = RunStatus.Searching,
            Baseline = new MetricsSummary
            {
                Metrics = new Dictionary<string, double> { ["accuracy"] = 0.95, ["latencyP50Ms"] = 1.25 },
                Provider = new ProviderUsage { Requested = ProviderName.Cpu, Used = ProviderName.Cpu },
            },
            Trials =
            [
                new TrialResult
                {
                    TrialId = "t-1",
                    Configuration = "quantize-dynamic(perChannel=true)",
                    Passes = ["quantize-dynamic"],
                    Rung = 1,
                    Resource = 3,
                    Metrics = new Dictionary<string, double> { ["accuracy"] = 0.93 },
                    Provider = new ProviderUsage { Requested = ProviderName.Cuda, Used = ProviderName.Cpu, FallbackReason = "CUDA 13 libraries missing" },
                    Status = TrialStatus.Invalid,
                    Error = new TrialError { Code = "constraint-violated", Message = "accuracy dropped 0.02 > 0.01" },
                    CandidateHash = "0123abcd",
                    Timings = new TrialTimings { StartedAt = Created.AddMinutes(1), CompletedAt = Created.AddMinutes(2), BuildSeconds = 1.5, EvaluateSeconds = 4 },
                },
            ],
            CurrentRung = 1,
            BestTrialId = "t-1",
            ParetoFront = ["t-1"],
            Errors = [new RunError { Code = "invalid-model", Message = "not ONNX", Phase = RunStatus.ProfilingBaseline, At = Created }],
            Timings = new RunTimings { CreatedAt = Created, StartedAt = Created.AddSeconds(5) },
        }).WithArtifact("bestModel", "runs/run-1/best/model.onnx");
    }
}
