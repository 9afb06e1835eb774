using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;

namespace FunctionsOpt.Hosting.Storage;

/// <summary>
/// How the portable host reaches one storage account: a connection string (Azurite, or an account key), or the
/// account's blob, queue and table endpoints with an Entra ID credential (managed identity in Azure, where infra turns
/// shared-key access off). Resolved from a component's own connection string, else from the identity-based
/// connection section the Functions runtime also reads (<c>AzureWebJobsStorage__accountName</c>,
/// <c>__credential</c>, <c>__clientId</c>, or <c>__blobServiceUri</c>/<c>__queueServiceUri</c>/<c>__tableServiceUri</c>),
/// so both apps run from the same settings. Immutable.
/// </summary>
public sealed class StorageConnection
{
    /// <summary>The connection section read when a component sets no connection string of its own.</summary>
    public const string DefaultSection = "AzureWebJobsStorage";

    /// <summary>The <c>credential</c> value that selects the managed identity alone (the Functions convention).</summary>
    public const string ManagedIdentityCredentialName = "managedidentity";

    private StorageConnection(string? connectionString, Uri? blob, Uri? queue, Uri? table, TokenCredential? credential)
    {
        ConnectionString = connectionString;
        BlobServiceUri = blob;
        QueueServiceUri = queue;
        TableServiceUri = table;
        Credential = credential;
    }

    /// <summary>The connection string, when this connection uses one.</summary>
    public string? ConnectionString { get; }

    /// <summary>The blob endpoint, for an identity-based connection.</summary>
    public Uri? BlobServiceUri { get; }

    /// <summary>The queue endpoint, for an identity-based connection.</summary>
    public Uri? QueueServiceUri { get; }

    /// <summary>The table endpoint, for an identity-based connection.</summary>
    public Uri? TableServiceUri { get; }

    /// <summary>The credential of an identity-based connection.</summary>
    public TokenCredential? Credential { get; }

    /// <summary>Whether this is an Entra ID (identity-based) connection.</summary>
    public bool UsesIdentity => ConnectionString is null;

    /// <summary>A connection string connection.</summary>
    public static StorageConnection FromConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new StorageConnection(connectionString, null, null, null, null);
    }

    /// <summary>An identity-based connection to the three endpoints.</summary>
    public static StorageConnection FromIdentity(Uri blobServiceUri, Uri queueServiceUri, Uri tableServiceUri, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(blobServiceUri);
        ArgumentNullException.ThrowIfNull(queueServiceUri);
        ArgumentNullException.ThrowIfNull(tableServiceUri);
        ArgumentNullException.ThrowIfNull(credential);
        return new StorageConnection(null, blobServiceUri, queueServiceUri, tableServiceUri, credential);
    }

    /// <summary>
    /// <paramref name="connectionString"/> when set; otherwise the <paramref name="section"/> of
    /// <paramref name="configuration"/>: a plain value is a connection string, else <c>accountName</c> (public-cloud
    /// endpoints) or the three <c>*ServiceUri</c> keys, with <c>credential</c>/<c>clientId</c> choosing the credential.
    /// Null when neither says anything.
    /// </summary>
    /// <exception cref="InvalidOperationException">The section names only some endpoints, or an endpoint is not an absolute https URI.</exception>
    public static StorageConnection? Resolve(string? connectionString, IConfiguration configuration, string section = DefaultSection)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return FromConnectionString(connectionString);
        }

        var settings = configuration.GetSection(section);
        if (!string.IsNullOrWhiteSpace(settings.Value))
        {
            return FromConnectionString(settings.Value);
        }

        var accountName = settings["accountName"];
        string?[] uris = [settings["blobServiceUri"], settings["queueServiceUri"], settings["tableServiceUri"]];
        if (string.IsNullOrWhiteSpace(accountName) && uris.All(string.IsNullOrWhiteSpace))
        {
            return null;
        }

        Uri blob, queue, table;
        if (uris.All(u => !string.IsNullOrWhiteSpace(u)))
        {
            (blob, queue, table) = (Endpoint(section, "blobServiceUri", uris[0]!), Endpoint(section, "queueServiceUri", uris[1]!), Endpoint(section, "tableServiceUri", uris[2]!));
        }
        else if (!string.IsNullOrWhiteSpace(accountName) && uris.All(string.IsNullOrWhiteSpace))
        {
            blob = new Uri($"https://{accountName}.blob.core.windows.net");
            queue = new Uri($"https://{accountName}.queue.core.windows.net");
            table = new Uri($"https://{accountName}.table.core.windows.net");
        }
        else
        {
            throw new InvalidOperationException(
                $"{section}: set either accountName alone or all three of blobServiceUri, queueServiceUri and tableServiceUri (the host needs blobs, queues and tables).");
        }

        return FromIdentity(blob, queue, table, CredentialFor(settings["credential"], settings["clientId"]));
    }

    /// <summary>
    /// <see cref="Resolve"/> for an options class: the connection, or null and a problem that names
    /// <paramref name="settingName"/>, the section, and how to fix it.
    /// </summary>
    public static (StorageConnection? Connection, string? Problem) ResolveFor(string settingName, string? connectionString, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(settingName);
        try
        {
            var connection = Resolve(connectionString, configuration);
            return connection is not null
                ? (connection, null)
                : (null, $"{settingName} is not set and there is no {DefaultSection} connection; set one (UseDevelopmentStorage=true for Azurite, or {DefaultSection}__accountName with a managed identity in Azure).");
        }
        catch (InvalidOperationException ex)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>
    /// An options class's connection: the one resolved after binding, else one from its own connection string (options
    /// built by hand, never post-configured).
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither exists: the message is <paramref name="problem"/>, or names <paramref name="settingName"/>.</exception>
    internal static StorageConnection Require(StorageConnection? resolved, string? connectionString, string? problem, string settingName) =>
        resolved
        ?? (string.IsNullOrWhiteSpace(connectionString) ? null : FromConnectionString(connectionString))
        ?? throw new InvalidOperationException(problem ?? $"{settingName} is not set.");

    /// <summary>
    /// <see cref="ManagedIdentityCredential"/> (the user-assigned <paramref name="clientId"/>, or the system identity) when
    /// <paramref name="credential"/> is <c>managedidentity</c>; otherwise <see cref="DefaultAzureCredential"/> preferring
    /// that client id (the developer's login locally).
    /// </summary>
    public static TokenCredential CredentialFor(string? credential, string? clientId)
    {
        clientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId;
        if (string.Equals(credential, ManagedIdentityCredentialName, StringComparison.OrdinalIgnoreCase))
        {
            return new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }

    /// <summary>A blob service client on this connection.</summary>
    public BlobServiceClient CreateBlobServiceClient() =>
        ConnectionString is { } cs ? new BlobServiceClient(cs) : new BlobServiceClient(BlobServiceUri, Credential);

    /// <summary>A queue service client on this connection.</summary>
    public QueueServiceClient CreateQueueServiceClient() =>
        ConnectionString is { } cs ? new QueueServiceClient(cs) : new QueueServiceClient(QueueServiceUri, Credential);

    /// <summary>A client of table <paramref name="tableName"/> on this connection.</summary>
    public TableClient CreateTableClient(string tableName) =>
        ConnectionString is { } cs ? new TableClient(cs, tableName) : new TableClient(TableServiceUri, tableName, Credential);

    /// <summary>The Durable Task Azure Storage backend's client provider on this connection.</summary>
    public StorageAccountClientProvider CreateDurableClientProvider() =>
        ConnectionString is { } cs ? new StorageAccountClientProvider(cs) : new StorageAccountClientProvider(BlobServiceUri!, QueueServiceUri!, TableServiceUri!, Credential!);

    /// <summary>Where this connection points, for logs: the blob endpoint or the account of the connection string, never a key.</summary>
    public override string ToString() => ConnectionString is { } cs
        ? (new BlobServiceClient(cs).Uri.GetLeftPart(UriPartial.Authority) + " (connection string)")
        : BlobServiceUri!.GetLeftPart(UriPartial.Authority) + " (Entra ID)";

    private static Uri Endpoint(string section, string key, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
            ? uri
            : throw new InvalidOperationException($"{section}:{key} '{value}' must be an absolute https URI such as https://myaccount.blob.core.windows.net.");
}
