metadata description = 'The Azure Functions isolated app (src/FunctionsOpt.Functions) hosted on Container Apps (kind functionapp) on the serverless GPU profile.'

@description('Name of the container app.')
param name string

@description('Azure region.')
param location string

@description('Tags of the deployment; azd-service-name is added here.')
param tags object

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Workload profile the app runs on (the environment\'s GPU profile).')
param workloadProfileName string

@description('vCPUs per replica. A serverless GPU replica gets a whole GPU; its profile fixes the CPU and memory that come with it.')
param cpu int

@description('Memory per replica, e.g. 56Gi.')
param memory string

@description('Container image; a public placeholder until `azd deploy` pushes the real one.')
param image string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Login server of the registry the image is pulled from with the identity.')
param registryServer string

@description('Settings shared by both apps (identity-based connections, artifact store, ONNX Runtime session).')
param settings object

@description('Most replicas; each holds one GPU, so this is also the most GPUs the app uses at once.')
@minValue(1)
@maxValue(20)
param maxReplicas int = 2

// Functions-specific settings on top of the shared ones. The Durable Task engine and the Functions host use the
// AzureWebJobsStorage connection; with __credential=managedidentity and __clientId they authenticate as the app's
// user-assigned identity (no account key exists: shared-key access is off).
var functionsSettings = union(settings, {
  FUNCTIONS_WORKER_RUNTIME: 'dotnet-isolated'
  FUNCTIONS_EXTENSION_VERSION: '~4'
})

resource app 'Microsoft.App/containerApps@2025-07-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 80
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'functions'
          image: image
          resources: {
            cpu: cpu
            memory: memory
          }
          env: map(items(functionsSettings), s => { name: s.key, value: s.value })
        }
      ]
      // Functions on Container Apps derives its scale rules from the triggers; idle, it costs no GPU time.
      scale: {
        minReplicas: 0
        maxReplicas: maxReplicas
      }
    }
  }
}

@description('Name of the container app.')
output name string = app.name

@description('Public HTTPS address of the app.')
output url string = 'https://${app.properties.configuration.ingress.fqdn}'
