metadata description = '''Every role assignment of the deployment, in one place: the apps' managed identity and the deploying user get
data-plane access to storage (blobs, queues, tables), Service Bus and Application Insights ingestion; the identity pulls
images and the user pushes them. Names are guid(scope, principal, role), so re-running a deployment changes nothing.'''

@description('Name of the user-assigned managed identity the apps run as.')
param identityName string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); empty grants nothing to a user.')
param principalId string

@description('Kind of principal principalId is: User for a person running azd, ServicePrincipal for a pipeline.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the container registry.')
param registryName string

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  acrPush: '8311e382-0749-4cb8-b61a-304f252e45ec'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// Loops need arrays known before the deployment runs, so a principal here is a key (the identity's resource id or the
// user's object id; it also seeds the assignment name) and whether it is the identity; the identity's object id is only
// known once it exists and is read in the loop bodies.
var identityPrincipal = {
  key: identity.id
  isIdentity: true
}

var userPrincipals = empty(principalId)
  ? []
  : [
      {
        key: principalId
        isIdentity: false
      }
    ]

var principals = concat([identityPrincipal], userPrincipals)

// Blob Data Owner (not Contributor): the Functions host and the Durable Task engine manage blob leases and the
// artifact store writes with ETag conditions; Owner also lets the deploying user inspect runs/ from the portal.
var storageRoles = [
  roleIds.storageBlobDataOwner
  roleIds.storageQueueDataContributor
  roleIds.storageTableDataContributor
]

var storageAssignments = flatten(map(principals, p => map(storageRoles, r => { principal: p, roleId: r })))

// The identity only pulls images; the deploying user pushes them with `azd deploy` (AcrPush includes pull).
var registryAssignments = concat(
  [
    {
      principal: identityPrincipal
      roleId: roleIds.acrPull
    }
  ],
  map(userPrincipals, p => { principal: p, roleId: roleIds.acrPush })
)

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in storageAssignments: {
    name: guid(storage.id, a.principal.key, a.roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
      principalId: a.principal.isIdentity ? identity.properties.principalId : principalId
      principalType: a.principal.isIdentity ? 'ServicePrincipal' : principalType
    }
  }
]

resource serviceBusRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    name: guid(serviceBus.id, p.key, roleIds.serviceBusDataOwner)
    scope: serviceBus
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataOwner)
      principalId: p.isIdentity ? identity.properties.principalId : principalId
      principalType: p.isIdentity ? 'ServicePrincipal' : principalType
    }
  }
]

resource monitoringRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    name: guid(applicationInsights.id, p.key, roleIds.monitoringMetricsPublisher)
    scope: applicationInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
      principalId: p.isIdentity ? identity.properties.principalId : principalId
      principalType: p.isIdentity ? 'ServicePrincipal' : principalType
    }
  }
]

resource registryRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in registryAssignments: {
    name: guid(registry.id, a.principal.key, a.roleId)
    scope: registry
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
      principalId: a.principal.isIdentity ? identity.properties.principalId : principalId
      principalType: a.principal.isIdentity ? 'ServicePrincipal' : principalType
    }
  }
]

@description('Number of role assignments made (identity and, when principalId is set, the user).')
output assignmentCount int = length(storageAssignments) + length(principals) * 2 + length(registryAssignments)
