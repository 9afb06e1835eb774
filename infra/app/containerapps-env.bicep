metadata description = 'Container Apps environment with the Consumption profile and one serverless GPU profile; logs go to Log Analytics through a diagnostic setting (no shared key).'

@description('Name of the environment.')
param name string

@description('Azure region (serverless GPUs are offered in a subset of regions).')
param location string

@description('Tags applied to the environment.')
param tags object

@description('Serverless GPU workload profile type.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuWorkloadProfileType string

@description('Name of the Log Analytics workspace that receives the environment\'s logs.')
param logAnalyticsName string

// The profile is named after its hardware (NC8as-T4, NC24-A100), as the portal does.
var gpuWorkloadProfileName = replace(gpuWorkloadProfileType, 'Consumption-GPU-', '')

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      // Logs flow through Azure Monitor diagnostic settings below rather than a workspace shared key.
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      {
        name: gpuWorkloadProfileName
        workloadProfileType: gpuWorkloadProfileType
      }
    ]
    zoneRedundant: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Resource id of the environment.')
output id string = environment.id

@description('Name of the environment.')
output name string = environment.name

@description('Name of the GPU workload profile, for the apps\' workloadProfileName.')
output gpuWorkloadProfileName string = gpuWorkloadProfileName

@description('Default domain of the environment.')
output defaultDomain string = environment.properties.defaultDomain
