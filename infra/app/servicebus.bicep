metadata description = 'Service Bus namespace (Standard, Entra ID only) with the intake queue and the run-events topic.'

@description('Name of the namespace.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the namespace.')
param tags object

@description('Intake queue: messages carry the same spec as HTTP; the message id is the deterministic run id.')
param requestsQueueName string = 'optimization-requests'

@description('Topic the app publishes RunStarted, RunProgress, RunCompleted and RunFailed events to.')
param eventsTopicName string = 'optimization-events'

@description('Subscription on the events topic that receives every event.')
param eventsSubscriptionName string = 'all-events'

@description('Deliveries of one message before Service Bus dead-letters it.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int = 5

@description('How long a message id is remembered for duplicate detection (ISO 8601; at most 7 days).')
param duplicateDetectionWindow string = 'P1D'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // Entra ID only: no SAS keys or connection strings in Azure; local runs use a connection string to an emulator or
    // the developer's own identity.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource requestsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: requestsQueueName
  properties: {
    // Peek-lock long enough to validate a spec and start an orchestration; the processor renews if it needs longer.
    lockDuration: 'PT1M'
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    requiresSession: false
    enablePartitioning: false
  }
}

resource eventsTopic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: eventsTopicName
  properties: {
    // Each event has a stable id (run id + kind + rung), so a retried publish is dropped here.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: 'P14D'
    enablePartitioning: false
  }
}

resource eventsSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: eventsTopic
  name: eventsSubscriptionName
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    defaultMessageTimeToLive: 'P14D'
  }
}

@description('Name of the namespace.')
output name string = namespace.name

@description('Fully qualified namespace, e.g. sb-xyz.servicebus.windows.net (the host part of the endpoint).')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '://')[1], ':')[0]

@description('Name of the intake queue.')
output requestsQueueName string = requestsQueue.name

@description('Name of the events topic.')
output eventsTopicName string = eventsTopic.name

@description('Name of the subscription on the events topic.')
output eventsSubscriptionName string = eventsSubscription.name
