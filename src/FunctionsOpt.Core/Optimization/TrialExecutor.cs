using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Passes.Runtime;
using FunctionsOpt.Core.Search;
using FunctionsOpt.Core.Search.Objectives;
using FunctionsOpt.Core.Timing;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Core.Optimization;

/// <summary>
/// Runs one trial: builds the candidate for a pipeline (or fetches it from the cache by content hash), scores it on
/// the budget's seeded, nested, stratified subsample of the evaluation set (fidelity against the baseline's outputs
/// for the same rows) and times it with the budget's latency iterations behind the shared
/// <see cref="MeasurementGate"/>. A configuration that cannot be built (pass not applicable, invalid parameters, a
/// model ONNX Runtime rejects) is an <see cref="TrialStatus.Invalid"/> result and a candidate that cannot be scored a
/// <see cref="TrialStatus.Failed"/> one: both are results, not exceptions. Only cancellation and environment faults
/// (I/O) throw, so a durable retry policy can retry them. Idempotent: the same request gives the same candidate
/// bytes and hash. Thread-safe.
/// </summary>
public sealed partial class TrialExecutor
{
    /// <summary>Error code of a failure that is not a <see cref="FunctionsOptException"/> (an ONNX Runtime error, for example).</summary>
    public const string RuntimeErrorCode = "runtime-error";

    private readonly InferenceSessionFactory _sessions;
    private readonly ICandidateCache _cache;
    private readonly MeasurementGate _gate;
    private readonly ILogger _logger;

    /// <summary>Creates the executor.</summary>
    public TrialExecutor(InferenceSessionFactory sessions, ICandidateCache cache, MeasurementGate gate, ILogger<TrialExecutor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(gate);
        _sessions = sessions;
        _cache = cache;
        _gate = gate;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The calibration rows a trial with <paramref name="budget"/> gives its passes (a nested seeded subsample of
    /// <see cref="OptimizationData.Calibration"/>), with the ids the candidate hash covers.
    /// </summary>
    public static (EvaluationDataset Rows, IReadOnlyList<string> Ids) CalibrationFor(OptimizationData data, TrialBudget budget, long seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(budget);
        var indices = DatasetSampler.SubsampleIndices(data.Calibration.Count, Math.Max(1, budget.CalibrationSamples), seed);
        var ids = indices.Select(i => data.CalibrationFingerprint + ":" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return (data.Calibration.Select(indices), ids);
    }

    /// <summary>The content hash of the candidate <paramref name="request"/> builds (the input model's SHA-256 for an empty pipeline).</summary>
    /// <exception cref="InvalidPassConfigurationException">A step names a parameter its pass does not declare.</exception>
    public static string CandidateHash(OptimizationData data, TrialRequest request, long seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Pipeline.Count == 0)
        {
            return Convert.ToHexStringLower(SHA256.HashData(data.ModelBytes));
        }

        var ids = PassPipeline.NeedsOf(request.Pipeline).CalibrationRows ? CalibrationFor(data, request.Budget, seed).Ids : null;
        return new PassPipeline(request.Pipeline).ComputeHash(data.ModelBytes, ids);
    }

    /// <summary>Runs the trial; see the type's remarks for what becomes a result and what throws.</summary>
    public async Task<TrialOutcome> RunAsync(OptimizationData data, TrialRequest request, TrialSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        var work = settings.WorkDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(work);
        string? hash = null;
        string? candidatePath = null;
        var reused = false;
        IReadOnlyList<PassRecord> records = [];
        var build = Stopwatch.StartNew();
        try
        {
            var (session, batchSize) = SessionFor(request.Pipeline, settings);
            hash = CandidateHash(data, request, settings.Seed);
            if (request.Pipeline.Count == 0)
            {
                candidatePath = data.ModelPath;
                reused = true;
            }
            else
            {
                candidatePath = Path.Combine(work, $"trial-{request.TrialId.ToString(CultureInfo.InvariantCulture)}-{hash[..16]}-{Guid.NewGuid():N}.onnx");
                reused = await _cache.TryFetchAsync(hash, candidatePath, cancellationToken).ConfigureAwait(false);
                if (!reused)
                {
                    records = Build(data, request, settings, work, candidatePath, cancellationToken);
                    await _cache.StoreAsync(hash, candidatePath, cancellationToken).ConfigureAwait(false);
                }
            }

            build.Stop();
            var evaluate = Stopwatch.StartNew();
            var (result, provider) = await MeasureAsync(data, request, settings, candidatePath, session, batchSize, cancellationToken).ConfigureAwait(false);
            LogTrial(_logger, request.TrialId, hash, reused, result.Metrics.Count);
            return new TrialOutcome
            {
                Result = result,
                CandidateHash = hash,
                CandidatePath = candidatePath,
                Reused = reused,
                Records = records,
                Provider = provider,
                BuildSeconds = reused ? 0 : build.Elapsed.TotalSeconds,
                EvaluateSeconds = evaluate.Elapsed.TotalSeconds,
            };
        }
        catch (FunctionsOptException ex) when (ex is PassNotApplicableException or InvalidPassConfigurationException or InvalidModelException)
        {
            LogTrialRejected(_logger, request.TrialId, ex.ErrorCode, ex.Message);
            return Rejected(TrialResult.Invalid(request.TrialId, ex.Message), ex.ErrorCode, hash, build);
        }
        catch (FunctionsOptException ex)
        {
            LogTrialRejected(_logger, request.TrialId, ex.ErrorCode, ex.Message);
            return Rejected(TrialResult.Failed(request.TrialId, ex.Message), ex.ErrorCode, hash, build);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            LogTrialRejected(_logger, request.TrialId, RuntimeErrorCode, ex.Message);
            return Rejected(TrialResult.Failed(request.TrialId, "ONNX Runtime: " + ex.Message), RuntimeErrorCode, hash, build);
        }
    }

    private static TrialOutcome Rejected(TrialResult result, string code, string? hash, Stopwatch build) => new()
    {
        Result = result,
        ErrorCode = code,
        CandidateHash = hash,
        BuildSeconds = build.Elapsed.TotalSeconds,
    };

    /// <summary>The session settings a pipeline's candidate is timed with (its runtime step's, else the trial's) and the objective's batch size.</summary>
    public static (SessionSettings Session, int BatchSize) SessionFor(IReadOnlyList<PassStep> pipeline, TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(settings);
        var runtime = pipeline.FirstOrDefault(s => s.Pass is RuntimeSettingsPass);
        if (runtime is null)
        {
            return (settings.Session, settings.LatencyBatchSize);
        }

        // Only the objective's batch size is timed: a runtime step's batch size would make trials time batches the
        // objective never reads (and compare them with an original timed at another batch).
        var chosen = ((RuntimeSettingsPass)runtime.Pass).ToSettings(runtime.Parameters);
        return (chosen.Session with { AllowCpuFallback = settings.Session.AllowCpuFallback, DeviceId = settings.Session.DeviceId, UseIoBinding = settings.Session.UseIoBinding }, settings.LatencyBatchSize);
    }

    private IReadOnlyList<PassRecord> Build(OptimizationData data, TrialRequest request, TrialSettings settings, string work, string candidatePath, CancellationToken cancellationToken)
    {
        // The steps declare what they need: rows only when one reads them, so the hash covers ids exactly then.
        var calibration = PassPipeline.NeedsOf(request.Pipeline).CalibrationRows ? CalibrationFor(data, request.Budget, settings.Seed) : (Rows: null, Ids: null);
        var context = new PassContext(_sessions, calibration.Rows, work, cancellationToken);
        var output = new PassPipeline(request.Pipeline).Run(data.Model, context, calibration.Ids);
        File.WriteAllBytes(candidatePath, output.Model.ToByteArray());
        return output.Records;
    }

    private async Task<(TrialResult Result, ProviderRecord Provider)> MeasureAsync(
        OptimizationData data, TrialRequest request, TrialSettings settings, string candidatePath, SessionSettings session, int batchSize, CancellationToken cancellationToken)
    {
        var rows = DatasetSampler.StratifiedSubsample(data.Evaluation, request.Budget.EvaluationSampleFraction, settings.Seed);
        EvaluationResult evaluation;
        using (var handle = _sessions.Create(candidatePath, session))
        {
            evaluation = ModelEvaluator.Evaluate(handle, rows, settings.Evaluation, cancellationToken: cancellationToken).Result;
        }

        var timing = await TimeAgainstOriginalAsync(data, settings, candidatePath, session, batchSize, request.Budget, cancellationToken).ConfigureAwait(false);
        var candidate = timing.Models[^1];
        var (bytes, gzip) = PerformanceProfiler.MeasureSize(candidatePath);
        var profile = new PerformanceProfile
        {
            Provider = candidate.Provider,
            OrtVersion = InferenceSessionFactory.OrtVersion,
            Settings = session,
            SessionCreationMs = 0,
            Batches = [candidate.Latency],
            Skipped = [],
            InputSource = "dataset",
            IoBinding = candidate.IoBinding,
            ModelBytes = bytes,
            GzipBytes = gzip,
        };
        var result = TrialMetrics.FromEvaluation(request.TrialId, evaluation, profile) with { ResourceUsed = request.Budget.EvaluationSampleFraction };
        return (result with { Metrics = LatencyRatios.Add(result.Metrics, candidate, timing.Models.Count > 1) }, candidate.Provider);
    }

    /// <summary>
    /// Times the candidate interleaved with the original (the one protocol, <see cref="InterleavedTimer"/>) behind the
    /// gate; the budget's latency iterations bound the rounds, so low rungs time briefly and high rungs tightly. The
    /// original alone when the candidate is the original file with the same settings.
    /// </summary>
    private async Task<InterleavedTiming> TimeAgainstOriginalAsync(
        OptimizationData data, TrialSettings settings, string candidatePath, SessionSettings session, int batchSize, TrialBudget budget, CancellationToken cancellationToken)
    {
        var rounds = Math.Max(2, budget.LatencyIterations / 2);
        var options = settings.Timing with
        {
            MinRounds = Math.Min(settings.Timing.MinRounds, rounds),
            MaxRounds = Math.Max(Math.Min(settings.Timing.MinRounds, rounds), Math.Min(settings.Timing.MaxRounds, rounds)),
            Seed = settings.Seed,
        };
        var models = new List<TimedModel> { new(LatencyRatios.OriginalKey, data.ModelPath, settings.Session, settings.LatencyBatchSize) };
        if (!(string.Equals(candidatePath, data.ModelPath, StringComparison.Ordinal) && session == settings.Session && batchSize == settings.LatencyBatchSize))
        {
            models.Add(new TimedModel(LatencyRatios.CandidateKey, candidatePath, session, batchSize));
        }

        using (await _gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            return new InterleavedTimer(_sessions).Measure(models, data.Evaluation, options, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Trial {TrialId}: candidate {Hash} (reused {Reused}), {MetricCount} metric(s)")]
    private static partial void LogTrial(ILogger logger, int trialId, string hash, bool reused, int metricCount);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Trial {TrialId} rejected ({Code}): {Reason}")]
    private static partial void LogTrialRejected(ILogger logger, int trialId, string code, string reason);
}
