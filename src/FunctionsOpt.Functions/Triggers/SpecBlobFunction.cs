using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Functions.Triggers;

/// <summary>
/// The blob-drop journey: uploading <c>models/{name}.opt.json</c> (a spec naming its model and data blobs) starts
/// its run. A spec that can never start a run gets a typed error record, <c>models/{name}.opt.error.json</c>, and the
/// function returns normally: a user error is never retried and never takes the host down. The same blob uploaded
/// again names the same run and starts nothing new. Store or engine faults propagate, so the runtime retries them.
/// The trigger's connection (<c>AzureWebJobsStorage</c>) must reach the same account as the artifact store.
/// </summary>
public sealed partial class SpecBlobFunction(IArtifactStore store, TimeProvider clock, ILogger<OptimizationApi> apiLogger, ILogger<SpecBlobFunction> logger)
{
    /// <summary>Submits the dropped spec, or writes why it cannot run next to it.</summary>
    [Function("SubmitDroppedSpec")]
    public async Task RunAsync(
        [BlobTrigger(SpecDrop.TriggerPath, Connection = "AzureWebJobsStorage")] string content,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var specName = SpecDrop.SpecNameOf(name);
        var api = new OptimizationApi(new OptimizationRunClient(client, store, clock), store, clock, apiLogger);
        try
        {
            var outcome = await api.SubmitDroppedSpecAsync(specName, content, cancellationToken);
            if (outcome.Accepted)
            {
                LogAccepted(logger, specName, outcome.RunId!, outcome.Started);
            }
        }
        catch (InvalidArtifactPathException ex)
        {
            // The blob's own name breaks the store's naming rules, so no error record can be written beside it.
            LogUnusableName(logger, specName, ex.Message);
        }
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "Spec models/{Spec} → run {RunId} (started now: {Started})")]
    private static partial void LogAccepted(ILogger logger, string spec, string runId, bool started);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Error, Message = "Spec models/{Spec} ignored: its name is unusable ({Reason}); rename the blob")]
    private static partial void LogUnusableName(ILogger logger, string spec, string reason);
}
