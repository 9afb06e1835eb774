metadata description = 'Log Analytics workspace and a workspace-based Application Insights component that accepts only Entra ID-authenticated telemetry.'

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region.')
param location string

@description('Tags applied to both resources.')
param tags object

@description('Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Ingestion needs an Entra ID token (Monitoring Metrics Publisher, granted in rbac.bicep), so the connection
    // string alone cannot be used to write telemetry: the apps send APPLICATIONINSIGHTS_AUTHENTICATION_STRING too.
    DisableLocalAuth: true
  }
}

@description('Name of the Log Analytics workspace.')
output logAnalyticsName string = logAnalytics.name

@description('Resource id of the Log Analytics workspace (diagnostic settings destination).')
output logAnalyticsId string = logAnalytics.id

@description('Name of the Application Insights component.')
output applicationInsightsName string = applicationInsights.name

@description('Connection string of the Application Insights component (an ingestion address, not a credential: local auth is off).')
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
