metadata description = 'The user-assigned managed identity every app runs as: storage, Service Bus, registry pulls and telemetry.'

@description('Name of the identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id, for the apps\' identity blocks and scale rules.')
output id string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Client id: AZURE_CLIENT_ID and the __clientId of identity-based connections.')
output clientId string = identity.properties.clientId

@description('Object id of the service principal, for role assignments.')
output principalId string = identity.properties.principalId
