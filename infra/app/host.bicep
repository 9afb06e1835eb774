metadata description = 'The portable host (src/FunctionsOpt.Host, ASP.NET Core + Durable Task worker) as an alternative to the Functions app, on the same GPU profile; scales to zero.'

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

@description('vCPUs per replica (fixed by the GPU profile).')
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

@description('Storage account whose queues wake the host (the Durable Task work-item queue).')
param storageAccountName string

@description('Durable Task hub name; the engine\'s work-item queue is {hub lowercased}-workitems.')
param taskHubName string

@description('Name of the Service Bus namespace of the intake queue.')
param serviceBusNamespaceName string

@description('Intake queue the hosted processor reads.')
param requestsQueueName string

@description('Fewest replicas. 0 scales to zero between runs: HTTP, intake messages and pending durable work wake it, but the blob-upload watcher only runs while a replica is up.')
@minValue(0)
@maxValue(20)
param minReplicas int = 0

@description('Most replicas; each holds one GPU.')
@minValue(1)
@maxValue(20)
param maxReplicas int = 2

// ASP.NET Core listens on 8080 by default; the placeholder image listens on 80, so the real host is told to as well
// and one ingress port serves both.
var hostSettings = union(settings, {
  ASPNETCORE_HTTP_PORTS: '80'
})

resource app 'Microsoft.App/containerApps@2025-07-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'host' })
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
          name: 'host'
          image: image
          resources: {
            cpu: cpu
            memory: memory
          }
          env: map(items(hostSettings), s => { name: s.key, value: s.value })
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        // KEDA scalers authenticate with the app's identity; no connection string is stored as a secret.
        rules: [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '20'
              }
            }
          }
          {
            name: 'intake'
            custom: {
              type: 'azure-servicebus'
              identity: identityId
              metadata: {
                namespace: serviceBusNamespaceName
                queueName: requestsQueueName
                messageCount: '1'
              }
            }
          }
          {
            name: 'durable-work-items'
            azureQueue: {
              accountName: storageAccountName
              queueName: '${toLower(taskHubName)}-workitems'
              queueLength: 1
              identity: identityId
            }
          }
        ]
      }
    }
  }
}

@description('Name of the container app.')
output name string = app.name

@description('Public HTTPS address of the app.')
output url string = 'https://${app.properties.configuration.ingress.fqdn}'
