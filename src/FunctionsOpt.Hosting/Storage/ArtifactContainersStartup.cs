using FunctionsOpt.Orchestration.Artifacts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Hosting.Storage;

/// <summary>
/// Creates the artifact store's containers when the portable host starts, so a fresh storage account (a new Azurite)
/// takes uploads into <c>models</c> right away; before, the container appeared only after the store's first use and the
/// README's upload step failed. Storage that cannot be reached is logged, not fatal: the store retries on first use.
/// </summary>
internal sealed partial class ArtifactContainersStartup(IArtifactStore store, ILogger<ArtifactContainersStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is not AzureBlobArtifactStore blobs)
        {
            return;
        }

        try
        {
            await blobs.EnsureContainersAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException ex)
        {
            LogUnavailable(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 7301, Level = LogLevel.Warning, Message = "The artifact containers could not be created at start ({Error}); the store retries on first use.")]
    private static partial void LogUnavailable(ILogger logger, string error);
}
