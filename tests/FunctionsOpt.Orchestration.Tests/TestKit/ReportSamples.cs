using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>A small, hand-made completed run: three configurations over two brackets, a promotion, one invalid trial whose reason contains markup, one final.</summary>
internal static class ReportSamples
{
    public const string Hostile = "<script>alert('x')</script> & \"quoted\"";

    public static readonly string NoPasses = "fp16.enabled=b:false;quantize-dynamic.enabled=b:false";
    public static readonly string Dynamic = "fp16.enabled=b:false;quantize-dynamic.enabled=b:true;quantize-dynamic.op-types=s:MatMul,Gemm";
    public static readonly string Fp16 = "fp16.enabled=b:true;fp16.block-list=s:a;b|c;quantize-dynamic.enabled=b:false";

    public static Dictionary<string, double> Metrics(double accuracy, double latency, double size) => new(StringComparer.Ordinal)
    {
        ["accuracy"] = accuracy,
        ["fidelity.top1"] = 1,
        ["latency.p50.ms@1"] = latency,
        ["latency.p95.ms@1"] = latency * 1.2,
        ["throughput@1"] = 1000 / latency,
        ["size.bytes"] = size,
        ["size.gzip.bytes"] = size * 0.9,
    };

    public static RunState Completed()
    {
        var cpu = new ProviderUsage { Requested = ProviderName.Cpu, Used = ProviderName.Cpu };
        var spec = new OptimizationSpec
        {
            Model = new ModelReference { Blob = "penguins/model.onnx" },
            Dataset = new DatasetReference { Blob = "penguins/eval.csv", LabelColumn = "species" },
            Passes = ["fp16", "quantize-dynamic"],
            Search = new SearchSpec { MaxResource = 9, Eta = 3 },
            Constraints = new ConstraintsSpec { Quality = [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }] },
        };
        TrialResult Trial(string id, string configuration, string[] passes, int bracket, int rung, double resource, Dictionary<string, double>? metrics, string? from = null, TrialError? error = null) => new()
        {
            TrialId = id,
            Configuration = configuration,
            Passes = passes,
            Bracket = bracket,
            Rung = rung,
            Resource = resource,
            Metrics = metrics ?? new Dictionary<string, double>(),
            Provider = metrics is null ? null : cpu,
            Status = error is null ? TrialStatus.Ok : TrialStatus.Invalid,
            Error = error,
            PromotedFrom = from,
            CandidateHash = "hash" + id.Replace("-", string.Empty, StringComparison.Ordinal),
            Timings = new TrialTimings { BuildSeconds = 0.5, EvaluateSeconds = 0.25 },
        };

        var state = RunState.Create("run-report-sample", spec, DateTimeOffset.UnixEpoch) with
        {
            Status = RunStatus.Completed,
            Version = 7,
            Baseline = new MetricsSummary { Metrics = Metrics(0.98, 1.0, 1000), Provider = cpu },
            SourceModel = new SourceModelInfo
            {
                Name = "penguins",
                Sha256 = new string('a', 64),
                SizeBytes = 1000,
                Inputs = [new TensorSignature { Name = "features", ElementType = "float", Shape = [-1, 4] }],
                Outputs = [new TensorSignature { Name = "probabilities", ElementType = "float", Shape = [-1, 3] }],
            },
            Environment = new RunEnvironment
            {
                Os = "Linux",
                ProcessorCount = 2,
                Cpu = "Test CPU",
                Runtime = ".NET 10",
                OrtVersion = "1.31.0",
                Session = new SessionSettings { IntraOpThreads = 2 },
                Provider = cpu,
            },
            Trials =
            [
                Trial("t0", NoPasses, [], 1, 0, 3, Metrics(0.97, 1.0, 1000)),
                Trial("t1", Dynamic, ["quantize-dynamic"], 1, 0, 3, Metrics(0.975, 0.6, 300)),
                Trial("t2", Fp16, ["fp16"], 1, 0, 3, null, error: new TrialError { Code = "pass-not-applicable", Message = Hostile }),
                Trial("t3", Dynamic, ["quantize-dynamic"], 1, 1, 9, Metrics(0.979, 0.5, 300), from: "t1"),
                Trial("t4", NoPasses, [], 0, 0, 9, Metrics(0.98, 1.1, 1000)),
                Trial("final-0", Dynamic, ["quantize-dynamic"], 1, 1, 9, Metrics(0.978, 0.55, 300), from: "t3"),
            ],
            BestTrialId = "final-0",
            Outcome = new RunOutcome
            {
                BestEffort = false,
                StopReason = "Exhausted",
                Constraints = [new ConstraintCheck { Constraint = "accuracy drop <= 0.01", Metric = "accuracy", Value = 0.978, Bar = 0.97, Met = true, Verdict = "Satisfied", SampleCount = 100 }],
            },
            Serving = new ServingProfile
            {
                CandidateHash = "hashfinal0",
                Provider = cpu,
                Batches =
                [
                    new ThroughputPoint { BatchSize = 1, P50Ms = 1, P95Ms = 1.1, ThroughputPerSecond = 1000 },
                    new ThroughputPoint { BatchSize = 4, P50Ms = 1.6, P95Ms = 1.8, ThroughputPerSecond = 2500 },
                    new ThroughputPoint { BatchSize = 16, P50Ms = 5, P95Ms = 5.5, ThroughputPerSecond = 3200 },
                    new ThroughputPoint { BatchSize = 64, P50Ms = 19, P95Ms = 21, ThroughputPerSecond = 3368 },
                ],
            },
        };
        return state;
    }
}
