using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Artifacts;

/// <summary>Which store implementation to use.</summary>
public enum ArtifactStoreKind
{
    /// <summary>A folder on local disk (<see cref="LocalFolderArtifactStore"/>).</summary>
    Local,

    /// <summary>Azure Blob Storage or Azurite (<see cref="AzureBlobArtifactStore"/>).</summary>
    Blob,
}

/// <summary>Artifact store settings, bound from <see cref="SectionName"/> and validated at start.</summary>
public sealed class ArtifactStoreOptions
{
    /// <summary>Configuration section these options bind to.</summary>
    public const string SectionName = "FunctionsOpt:ArtifactStore";

    /// <summary>Which store. Default <see cref="ArtifactStoreKind.Local"/>.</summary>
    public ArtifactStoreKind Kind { get; set; } = ArtifactStoreKind.Local;

    /// <summary>Blob only: a storage connection string (Azurite locally). Exclusive with <see cref="AccountUri"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Blob only: the blob service URI (<c>https://{account}.blob.core.windows.net</c>), authenticated with the
    /// <c>Azure.Core.TokenCredential</c> registered in DI (managed identity in Azure). Exclusive with <see cref="ConnectionString"/>.
    /// </summary>
    public Uri? AccountUri { get; set; }

    /// <summary>Local only: the root folder holding <c>models/</c> and <c>runs/</c>. Default <c>artifacts</c> (relative to the working directory).</summary>
    public string? LocalRoot { get; set; } = "artifacts";

    /// <summary>Most read-modify-write attempts of one state update before giving up with a conflict. Default 64 (1-10000).</summary>
    public int StateUpdateMaxAttempts { get; set; } = 64;

    /// <summary>Local only: how long a state write waits for the run's lock file before giving up. Default 30 s.</summary>
    public TimeSpan LocalLockTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks that the settings of the chosen kind are present and consistent.</summary>
internal sealed class ArtifactStoreOptionsValidator : IValidateOptions<ArtifactStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ArtifactStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        switch (options.Kind)
        {
            case ArtifactStoreKind.Blob:
                if (string.IsNullOrWhiteSpace(options.ConnectionString) == (options.AccountUri is null))
                {
                    failures.Add($"{ArtifactStoreOptions.SectionName}: a blob store needs exactly one of ConnectionString (Azurite or a key) or AccountUri (managed identity).");
                }

                if (options.AccountUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("https" or "http")))
                {
                    failures.Add($"{ArtifactStoreOptions.SectionName}:AccountUri '{uri}' must be an absolute http(s) URI such as https://myaccount.blob.core.windows.net.");
                }

                break;
            case ArtifactStoreKind.Local:
                if (string.IsNullOrWhiteSpace(options.LocalRoot))
                {
                    failures.Add($"{ArtifactStoreOptions.SectionName}:LocalRoot is required for a local store; set it to a folder.");
                }

                break;
            default:
                failures.Add($"{ArtifactStoreOptions.SectionName}:Kind '{options.Kind}' is unknown; use Local or Blob.");
                break;
        }

        if (options.StateUpdateMaxAttempts is < 1 or > 10_000)
        {
            failures.Add($"{ArtifactStoreOptions.SectionName}:StateUpdateMaxAttempts must be between 1 and 10000.");
        }

        if (options.LocalLockTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{ArtifactStoreOptions.SectionName}:LocalLockTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
