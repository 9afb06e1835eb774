using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>Creates the <see cref="ServiceBusClient"/> the options describe. Connecting happens on first use, not here.</summary>
public static class ServiceBusClientFactory
{
    /// <summary>The value of <see cref="ServiceBusOptions.Credential"/> that selects the managed identity alone.</summary>
    public const string ManagedIdentityCredentialName = "managedidentity";

    /// <summary>
    /// A client from <see cref="ServiceBusOptions.ConnectionString"/>, else for <see cref="ServiceBusOptions.FullyQualifiedNamespace"/>
    /// with <paramref name="credential"/> when given, else the credential <see cref="CredentialFor"/> chooses.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither a connection string nor a namespace is configured.</exception>
    public static ServiceBusClient Create(ServiceBusOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new ServiceBusClientOptions { Identifier = "functionsopt-" + Environment.MachineName };
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new ServiceBusClient(options.ConnectionString, clientOptions);
        }

        if (string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace))
        {
            throw new InvalidOperationException(
                $"{ServiceBusOptions.SectionName}: set ConnectionString or FullyQualifiedNamespace (or {options.ConnectionName}__fullyQualifiedNamespace) to use Service Bus.");
        }

        return new ServiceBusClient(options.FullyQualifiedNamespace, credential ?? CredentialFor(options), clientOptions);
    }

    /// <summary>
    /// <see cref="ManagedIdentityCredential"/> (the user-assigned <see cref="ServiceBusOptions.ClientId"/>, or the system
    /// identity) when <see cref="ServiceBusOptions.Credential"/> is <c>managedidentity</c>; otherwise
    /// <see cref="DefaultAzureCredential"/>, preferring that client id for its managed-identity step.
    /// </summary>
    public static TokenCredential CredentialFor(ServiceBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientId = string.IsNullOrWhiteSpace(options.ClientId) ? null : options.ClientId;
        if (string.Equals(options.Credential, ManagedIdentityCredentialName, StringComparison.OrdinalIgnoreCase))
        {
            return new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
