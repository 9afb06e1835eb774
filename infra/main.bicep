targetScope = 'subscription'

metadata description = 'FunctionsOpt on Azure: storage, Service Bus, monitoring, a managed identity, a registry and a Container Apps environment with a serverless GPU profile hosting the Functions app and the portable host.'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. Serverless GPUs are offered in a subset of Container Apps regions (for example westus3, australiaeast, swedencentral).')
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); it gets the same data access as the apps, for local runs against the cloud resources. Empty grants nothing.')
param principalId string = ''

@description('Kind of principal principalId is: User for a person running azd, ServicePrincipal for a pipeline.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Serverless GPU workload profile the apps run on. T4 (16 GB) is plenty for the models FunctionsOpt targets and is offered in more regions; A100 (80 GB) for large models.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuWorkloadProfileType string = 'Consumption-GPU-NC8as-T4'

@description('Image of the Functions app. azd sets SERVICE_FUNCTIONS_IMAGE_NAME after `azd deploy`; empty uses a public placeholder so the first `azd provision` works before any image exists.')
param functionsImageName string = ''

@description('Image of the portable host. azd sets SERVICE_HOST_IMAGE_NAME after `azd deploy`; empty uses a public placeholder.')
param hostImageName string = ''

@description('Durable Task hub name (letters and digits, 3-45 characters).')
@minLength(3)
@maxLength(45)
param taskHubName string = 'FunctionsOptHub'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

// Placeholders that start and listen on port 80 (like the real images): a Functions quickstart image for the app of
// kind functionapp, the Container Apps hello-world for the host.
var functionsPlaceholderImage = 'mcr.microsoft.com/azure-functions/dotnet8-quickstart-demo:1.0'
var hostPlaceholderImage = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'

// A serverless GPU replica gets one whole GPU together with its profile's vCPUs and memory.
var gpuReplicaSizes = {
  'Consumption-GPU-NC8as-T4': {
    cpu: 8
    memory: '56Gi'
  }
  'Consumption-GPU-NC24-A100': {
    cpu: 24
    memory: '220Gi'
  }
}
var gpuReplicaSize = gpuReplicaSizes[gpuWorkloadProfileType]

// Names are fixed here (not read back from module outputs) so every module and role assignment name is known before
// the deployment starts.
var names = {
  identity: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  serviceBus: '${abbrs.serviceBusNamespaces}${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  registry: '${abbrs.containerRegistryRegistries}${resourceToken}'
  environment: '${abbrs.appManagedEnvironments}${resourceToken}'
  functions: '${abbrs.appContainerApps}functions-${resourceToken}'
  host: '${abbrs.appContainerApps}host-${resourceToken}'
}

var requestsQueueName = 'optimization-requests'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    taskHubName: taskHubName
    requestsQueueName: requestsQueueName
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    requestsQueueName: requestsQueueName
  }
}

module registry 'app/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: names.registry
    location: location
    tags: tags
  }
}

module containerAppsEnvironment 'app/containerapps-env.bicep' = {
  name: 'containerapps-env'
  scope: rg
  params: {
    name: names.environment
    location: location
    tags: tags
    gpuWorkloadProfileType: gpuWorkloadProfileType
    logAnalyticsName: names.logAnalytics
  }
  dependsOn: [
    monitoring
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityName: names.identity
    principalId: principalId
    principalType: principalType
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    applicationInsightsName: names.applicationInsights
    registryName: names.registry
  }
  // The modules are referenced by name, so the order is stated: the resources must exist before roles on them.
  dependsOn: [
    identity
    storage
    serviceBus
    monitoring
    registry
  ]
}

// Settings both apps read. Every connection is identity-based: <name>__credential=managedidentity and
// <name>__clientId select the user-assigned identity (the Functions convention, also read by the portable host), and
// AZURE_CLIENT_ID does the same for DefaultAzureCredential in application code.
var sharedSettings = {
  AZURE_CLIENT_ID: identity.outputs.clientId
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.applicationInsightsConnectionString
  // Application Insights accepts only Entra ID-authenticated telemetry (local auth is off).
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identity.outputs.clientId}'
  TaskHubName: taskHubName
  FunctionsOpt__ArtifactStore__Kind: 'Blob'
  FunctionsOpt__ArtifactStore__AccountUri: storage.outputs.blobEndpoint
  // Trials run on the GPU; a replica whose CUDA provider cannot load still works on CPU and records why.
  FunctionsOpt__Session__Provider: 'Cuda'
  FunctionsOpt__Session__AllowCpuFallback: 'true'
  // In Azure requests arrive on Service Bus and run events go to its topic (storage queues are the local default).
  FunctionsOpt__ServiceBus__Transport: 'ServiceBus'
  FunctionsOpt__ServiceBus__RequestsQueueName: serviceBus.outputs.requestsQueueName
  FunctionsOpt__ServiceBus__EventsTopicName: serviceBus.outputs.eventsTopicName
}

module functions 'app/functions.bicep' = {
  name: 'functions'
  scope: rg
  params: {
    name: names.functions
    location: location
    tags: tags
    environmentId: containerAppsEnvironment.outputs.id
    workloadProfileName: containerAppsEnvironment.outputs.gpuWorkloadProfileName
    cpu: gpuReplicaSize.cpu
    memory: gpuReplicaSize.memory
    image: empty(functionsImageName) ? functionsPlaceholderImage : functionsImageName
    identityId: identity.outputs.id
    registryServer: registry.outputs.loginServer
    settings: sharedSettings
  }
  // Start only once the identity can reach storage, Service Bus and the registry.
  dependsOn: [
    rbac
  ]
}

module host 'app/host.bicep' = {
  name: 'host'
  scope: rg
  params: {
    name: names.host
    location: location
    tags: tags
    environmentId: containerAppsEnvironment.outputs.id
    workloadProfileName: containerAppsEnvironment.outputs.gpuWorkloadProfileName
    cpu: gpuReplicaSize.cpu
    memory: gpuReplicaSize.memory
    image: empty(hostImageName) ? hostPlaceholderImage : hostImageName
    identityId: identity.outputs.id
    registryServer: registry.outputs.loginServer
    settings: sharedSettings
    storageAccountName: storage.outputs.name
    taskHubName: taskHubName
    serviceBusNamespaceName: serviceBus.outputs.name
    requestsQueueName: serviceBus.outputs.requestsQueueName
  }
  dependsOn: [
    rbac
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_STORAGE_REQUESTS_QUEUE_NAME string = storage.outputs.requestsQueueName
output DURABLE_TASK_HUB_NAME string = taskHubName
output SERVICEBUS_NAMESPACE_NAME string = serviceBus.outputs.name
output SERVICEBUS_NAMESPACE_FQDN string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICEBUS_REQUESTS_QUEUE_NAME string = serviceBus.outputs.requestsQueueName
output SERVICEBUS_EVENTS_TOPIC_NAME string = serviceBus.outputs.eventsTopicName
output SERVICEBUS_EVENTS_SUBSCRIPTION_NAME string = serviceBus.outputs.eventsSubscriptionName
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output AZURE_CONTAINER_APPS_GPU_PROFILE_NAME string = containerAppsEnvironment.outputs.gpuWorkloadProfileName
output FUNCTIONS_APP_NAME string = functions.outputs.name
output FUNCTIONS_APP_URL string = functions.outputs.url
output HOST_APP_NAME string = host.outputs.name
output HOST_APP_URL string = host.outputs.url
// An address, not a credential: the component has local auth off, so telemetry also needs an Entra ID token.
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
