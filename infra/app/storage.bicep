metadata description = 'Storage account for artifacts (blobs models/runs), the intake queue and the Durable Task hub; identity access only.'

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Durable Task hub name; its Instances and History tables are created here (the engine creates its own queues and lease blobs).')
param taskHubName string

@description('Name of the intake queue; a -poison queue is created beside it for messages that failed too often.')
param requestsQueueName string = 'optimization-requests'

var blobContainerNames = [
  'models'
  'runs'
]

var queueNames = [
  requestsQueueName
  '${requestsQueueName}-poison'
]

var tableNames = [
  '${taskHubName}Instances'
  '${taskHubName}History'
]

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    // Managed identity only: no account keys, no SAS signed with them, no anonymous blob reads.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in blobContainerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

@description('Name of the storage account.')
output name string = storage.name

@description('Blob endpoint, e.g. https://{account}.blob.core.windows.net/.')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

@description('Queue endpoint.')
output queueEndpoint string = storage.properties.primaryEndpoints.queue

@description('Table endpoint.')
output tableEndpoint string = storage.properties.primaryEndpoints.table

@description('Name of the intake queue.')
output requestsQueueName string = requestsQueueName
