metadata description = 'Container registry azd pushes the two images to; pulls use the managed identity (no admin user, no anonymous pull).'

@description('Name of the registry (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the registry.')
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

@description('Name of the registry.')
output name string = registry.name

@description('Login server, e.g. crxyz.azurecr.io.')
output loginServer string = registry.properties.loginServer
