using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsOpt.Core.Serialization;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>
/// The HTTP API of every host, without HTTP: start, get, list, cancel and report return an <see cref="ApiResult"/>
/// (status code, headers, body) that each host maps onto its response type, and the blob and queue entry points
/// share <see cref="SubmitAsync"/>. Errors are RFC 7807 problems with a stable code. Starting is idempotent: the run
/// id is the spec's content hash, so the same spec twice names one run. Thread-safe; cheap to create per request.
/// </summary>
public sealed partial class OptimizationApi
{
    /// <summary>Runs per listing page unless asked otherwise.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>Most runs per listing page.</summary>
    public const int MaxPageSize = 500;

    /// <summary>Seconds a client should wait before polling again, sent as <c>Retry-After</c>.</summary>
    public const int RetryAfterSeconds = 10;

    private readonly OptimizationRunClient _runs;
    private readonly IArtifactStore _store;
    private readonly SpecIntake _intake;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    /// <summary>Serves runs of <paramref name="runs"/> with artifacts in <paramref name="store"/>.</summary>
    public OptimizationApi(OptimizationRunClient runs, IArtifactStore store, TimeProvider? clock = null, ILogger<OptimizationApi>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(store);
        _runs = runs;
        _store = store;
        _intake = new SpecIntake(store);
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger<OptimizationApi>.Instance;
    }

    /// <summary>
    /// <c>POST /api/optimizations</c>: 202 with the run id, a <c>Location</c> to poll and the status/cancel/report
    /// links when this call started the run; 200 with the same body when a run of the same spec already existed; 400
    /// with every problem when the spec is invalid or names blobs that do not exist.
    /// </summary>
    public async Task<ApiResult> StartAsync(string? specJson, CancellationToken cancellationToken = default)
    {
        var outcome = await SubmitAsync(specJson, ApiRoutes.Optimizations, cancellationToken);
        if (outcome.Problem is { } problem)
        {
            return ApiResult.FromProblem(problem);
        }

        var runId = outcome.RunId!;
        var status = outcome.Started ? RunStatus.Pending : await StatusOfAsync(runId, cancellationToken) ?? RunStatus.Pending;
        return ApiResult.Json(outcome.Started ? 202 : 200, new RunAccepted(runId, status, outcome.Started, ApiRoutes.LinksOf(runId)), PollHeaders(runId));
    }

    /// <summary>
    /// Checks the spec (see <see cref="SpecIntake"/>) and starts its run unless one with its run id exists. A
    /// rejected spec is an outcome with the problem, never an exception; store or engine faults do throw.
    /// </summary>
    public async Task<SubmissionOutcome> SubmitAsync(string? specJson, string? instance = null, CancellationToken cancellationToken = default)
    {
        var (spec, problem) = await _intake.CheckAsync(specJson, instance, cancellationToken);
        if (problem is not null)
        {
            LogRejected(_logger, problem.Code, problem.Errors?.Count ?? 1, instance ?? "(none)");
            return new SubmissionOutcome { Problem = problem };
        }

        var submitted = await _runs.SubmitAsync(spec!, cancellationToken);
        if (submitted.Started)
        {
            LogStarted(_logger, submitted.RunId, instance ?? "(none)");
        }
        else
        {
            LogDuplicate(_logger, submitted.RunId, instance ?? "(none)");
        }

        return new SubmissionOutcome { RunId = submitted.RunId, Started = submitted.Started };
    }

    /// <summary>
    /// A spec dropped as <c>models/{name}.opt.json</c>: submits it, and when it is rejected writes a
    /// <see cref="SpecRejection"/> to <see cref="SpecDrop.ErrorRecordOf(string)"/> next to it. Idempotent: the same
    /// blob twice starts one run (or rewrites the same error record).
    /// </summary>
    /// <param name="specBlobName">The spec's name inside the <c>models</c> container, ending in <see cref="SpecDrop.SpecSuffix"/>.</param>
    /// <param name="specJson">The blob's content.</param>
    /// <param name="cancellationToken">Cancels the submission.</param>
    public async Task<SubmissionOutcome> SubmitDroppedSpecAsync(string specBlobName, string? specJson, CancellationToken cancellationToken = default)
    {
        var specPath = ArtifactLayout.Model(specBlobName);
        var outcome = await SubmitAsync(specJson, specPath.ToString(), cancellationToken);
        if (outcome.Problem is { } problem)
        {
            var record = new SpecRejection
            {
                Spec = specPath.ToString(),
                Code = problem.Code,
                Detail = problem.Detail,
                Errors = problem.Errors ?? [],
                At = _clock.GetUtcNow(),
            };
            var errorPath = SpecDrop.ErrorRecordOf(specBlobName);
            using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record, JsonDefaults.Options));
            await _store.UploadAsync(errorPath, content, cancellationToken);
            LogErrorRecord(_logger, errorPath.ToString(), problem.Code);
        }

        return outcome;
    }

    /// <summary>
    /// <c>GET /api/optimizations/{id}</c>: 200 with the run's status (the orchestration's live progress plus the
    /// state record's summary), 404 for an unknown run, 400 for a malformed id.
    /// </summary>
    public async Task<ApiResult> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (CheckRunId(runId, ApiRoutes.Run(runId)) is { } invalid)
        {
            return invalid;
        }

        var metadata = await _runs.GetInstanceAsync(runId, cancellationToken);
        var state = (await _store.ReadStateAsync(runId, cancellationToken))?.State;
        if (RunStatusResolver.Resolve(metadata, state) is not { } status)
        {
            return NotFound(runId, ApiRoutes.Run(runId));
        }

        var best = state?.BestTrialId is { } bestId ? state.Trials.FirstOrDefault(t => t.TrialId == bestId) : null;
        return ApiResult.Json(200, new RunView
        {
            RunId = runId,
            Status = status,
            RuntimeStatus = metadata?.RuntimeStatus.ToString(),
            Progress = metadata is null ? null : RunStatusResolver.Progress(metadata),
            CreatedAt = metadata?.CreatedAt ?? state?.Timings.CreatedAt,
            LastUpdatedAt = metadata?.LastUpdatedAt,
            CompletedAt = state?.Timings.CompletedAt,
            Baseline = state?.Baseline?.Metrics,
            TrialsRecorded = state?.Trials.Count ?? 0,
            Best = best,
            Errors = state?.Errors ?? [],
            Artifacts = state?.Artifacts ?? new Dictionary<string, string>(),
            Links = ApiRoutes.LinksOf(runId),
        });
    }

    /// <summary>
    /// <c>GET /api/optimizations?status=&amp;continuationToken=&amp;pageSize=</c>: 200 with one page of runs, newest
    /// engine order, optionally only those with <paramref name="status"/> (a <see cref="RunStatus"/> name, any case);
    /// 400 for an unknown status or a page size outside 1..<see cref="MaxPageSize"/>.
    /// </summary>
    public async Task<ApiResult> ListAsync(string? status, string? continuationToken, string? pageSize, CancellationToken cancellationToken = default)
    {
        var problems = new List<ApiProblemItem>();
        RunStatus? filter = null;
        if (!string.IsNullOrEmpty(status))
        {
            // By name only: Enum.TryParse would also take numbers and comma lists.
            var name = Enum.GetNames<RunStatus>().FirstOrDefault(n => string.Equals(n, status, StringComparison.OrdinalIgnoreCase));
            if (name is not null)
            {
                filter = Enum.Parse<RunStatus>(name);
            }
            else
            {
                problems.Add(new ApiProblemItem("status", $"\"{status}\" is not a run status", "use one of " + string.Join(", ", Enum.GetNames<RunStatus>())));
            }
        }

        var size = DefaultPageSize;
        if (!string.IsNullOrEmpty(pageSize)
            && !(int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) && size is >= 1 and <= MaxPageSize))
        {
            problems.Add(new ApiProblemItem("pageSize", $"\"{pageSize}\" is not a whole number from 1 to {MaxPageSize}", $"ask for at most {MaxPageSize} runs per page"));
        }

        if (problems.Count > 0)
        {
            return ApiResult.FromProblem(ApiProblem.Create(400, "invalid-query", "The listing query is invalid",
                $"The listing query has {problems.Count} problem(s); each is listed under 'errors'.", ApiRoutes.Optimizations, problems));
        }

        var query = new OrchestrationQuery
        {
            InstanceIdPrefix = SpecHash.RunIdPrefix,
            Statuses = filter is { } f ? RunStatusResolver.RuntimeStatusesOf(f) : null,
            PageSize = size,
            ContinuationToken = string.IsNullOrEmpty(continuationToken) ? null : continuationToken,
            FetchInputsAndOutputs = true,
        };
        var items = new List<RunListItem>();
        string? next = null;
        await foreach (var page in _runs.Client.GetAllInstancesAsync(query).AsPages(query.ContinuationToken, size).WithCancellation(cancellationToken))
        {
            foreach (var metadata in page.Values)
            {
                var resolved = RunStatusResolver.Resolve(metadata, null) ?? RunStatus.Pending;
                if (filter is null || filter == resolved)
                {
                    items.Add(new RunListItem(metadata.InstanceId, resolved, metadata.RuntimeStatus.ToString(), RunStatusResolver.Progress(metadata),
                        metadata.CreatedAt, metadata.LastUpdatedAt, ApiRoutes.LinksOf(metadata.InstanceId)));
                }
            }

            next = string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken;
            break;
        }

        return ApiResult.Json(200, new RunListPage(items, next));
    }

    /// <summary>
    /// <c>POST /api/optimizations/{id}/cancel</c>: 202 when the request was passed to the run (it stops after the
    /// trials in flight, ends <see cref="RunStatus.Cancelled"/> and keeps partial results); 409 when the run has
    /// already ended; 404 for an unknown run. Asking twice is harmless.
    /// </summary>
    public async Task<ApiResult> CancelAsync(string runId, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var instance = ApiRoutes.Cancel(runId);
        if (CheckRunId(runId, instance) is { } invalid)
        {
            return invalid;
        }

        var metadata = await _runs.GetInstanceAsync(runId, cancellationToken);
        var state = metadata is null ? (await _store.ReadStateAsync(runId, cancellationToken))?.State : null;
        if (RunStatusResolver.Resolve(metadata, state) is not { } status)
        {
            return NotFound(runId, instance);
        }

        if (metadata is null || RunStatusResolver.IsTerminal(status))
        {
            return ApiResult.FromProblem(ApiProblem.Create(409, "run-finished", "The run has already ended",
                $"Run '{runId}' ended {status}; there is nothing to cancel. Its results stay available at {ApiRoutes.Report(runId)}.", instance));
        }

        await _runs.CancelAsync(runId, string.IsNullOrWhiteSpace(reason) ? "cancelled through the API" : reason, cancellationToken);
        LogCancel(_logger, runId, status);
        return ApiResult.Json(202, new CancelAccepted(runId, status, ApiRoutes.LinksOf(runId)), PollHeaders(runId));
    }

    /// <summary>
    /// <c>GET /api/optimizations/{id}/report</c>: 200 with the run's report.json once written; 409 while the run is
    /// still going (poll the status link); 404 for an unknown run or one that ended without a report.
    /// </summary>
    public async Task<ApiResult> ReportAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var instance = ApiRoutes.Report(runId);
        if (CheckRunId(runId, instance) is { } invalid)
        {
            return invalid;
        }

        var path = ArtifactLayout.Report(runId);
        try
        {
            await using var stream = await _store.OpenReadAsync(path, cancellationToken);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            return ApiResult.Json(200, document.RootElement.Clone());
        }
        catch (ArtifactNotFoundException)
        {
            // Not written yet: tell an unknown run from one still going and one that ended without a report.
        }

        var metadata = await _runs.GetInstanceAsync(runId, cancellationToken);
        var state = (await _store.ReadStateAsync(runId, cancellationToken))?.State;
        if (RunStatusResolver.Resolve(metadata, state) is not { } status)
        {
            return NotFound(runId, instance);
        }

        if (!RunStatusResolver.IsTerminal(status))
        {
            return ApiResult.FromProblem(
                ApiProblem.Create(409, "report-not-ready", "The report is not ready",
                    $"Run '{runId}' is {status}; its report is written when it ends. Poll {ApiRoutes.Run(runId)} until the status is Completed, Failed or Cancelled.", instance),
                PollHeaders(runId));
        }

        return ApiResult.FromProblem(ApiProblem.Create(404, "report-not-found", "The run has no report",
            $"Run '{runId}' ended {status} without writing {path}; see {ApiRoutes.Run(runId)} for its errors.", instance));
    }

    private async Task<RunStatus?> StatusOfAsync(string runId, CancellationToken cancellationToken)
    {
        var metadata = await _runs.GetInstanceAsync(runId, cancellationToken);
        var state = metadata is null ? (await _store.ReadStateAsync(runId, cancellationToken))?.State : null;
        return RunStatusResolver.Resolve(metadata, state);
    }

    private static ApiResult? CheckRunId(string runId, string instance) =>
        ArtifactNames.CheckRunId(runId) is { } problem
            ? ApiResult.FromProblem(ApiProblem.Create(400, "invalid-run-id", "The run id is malformed", $"Run id \"{runId}\" is refused: {problem}.", instance))
            : null;

    private static ApiResult NotFound(string runId, string instance) =>
        ApiResult.FromProblem(ApiProblem.Create(404, "run-not-found", "No such run",
            $"No run has the id '{runId}'; list the runs at {ApiRoutes.Optimizations}, or start one with POST {ApiRoutes.Optimizations}.", instance));

    private static Dictionary<string, string> PollHeaders(string runId) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Location"] = ApiRoutes.Run(runId),
        ["Retry-After"] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture),
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Run {RunId} started from {Source}")]
    private static partial void LogStarted(ILogger logger, string runId, string source);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Run {RunId} already exists; the submission from {Source} started nothing")]
    private static partial void LogDuplicate(ILogger logger, string runId, string source);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Spec from {Source} rejected with {Code} ({Count} problem(s))")]
    private static partial void LogRejected(ILogger logger, string code, int count, string source);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Cancel requested for run {RunId} while {Status}")]
    private static partial void LogCancel(ILogger logger, string runId, RunStatus status);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Wrote error record {ErrorRecord} ({Code})")]
    private static partial void LogErrorRecord(ILogger logger, string errorRecord, string code);
}
