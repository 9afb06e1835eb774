# azd postprovision hook (PowerShell 7): writes local.settings.json from the provisioned resources, so the Functions
# app can run locally against them. azd exports the outputs of infra/main.bicep as environment variables.
#
# Connections are identity-based without __credential/__clientId, so locally they authenticate as the developer
# (DefaultAzureCredential: az/azd login), who was granted the same data roles as the apps (infra/app/rbac.bicep).
# No key or secret is written. Target: $env:LOCAL_SETTINGS_PATH if set, else src/FunctionsOpt.Functions/local.settings.json
# when that project exists, else ./local.settings.json (git ignores local.settings.json everywhere).
$ErrorActionPreference = 'Stop'

$required = @(
  'AZURE_STORAGE_ACCOUNT_NAME', 'AZURE_STORAGE_BLOB_ENDPOINT', 'SERVICEBUS_NAMESPACE_FQDN',
  'SERVICEBUS_REQUESTS_QUEUE_NAME', 'SERVICEBUS_EVENTS_TOPIC_NAME', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'DURABLE_TASK_HUB_NAME'
)
$missing = @($required | Where-Object { [string]::IsNullOrEmpty([Environment]::GetEnvironmentVariable($_)) })
if ($missing.Count -gt 0) {
  Write-Error "postprovision: missing azd outputs: $($missing -join ' ') (run 'azd provision' first, or 'azd env refresh')."
  exit 1
}

if (-not [string]::IsNullOrEmpty($env:LOCAL_SETTINGS_PATH)) {
  $target = $env:LOCAL_SETTINGS_PATH
} elseif (Test-Path -PathType Container 'src/FunctionsOpt.Functions') {
  $target = 'src/FunctionsOpt.Functions/local.settings.json'
} else {
  $target = 'local.settings.json'
}

$settings = [ordered]@{
  IsEncrypted = $false
  Values = [ordered]@{
    'FUNCTIONS_WORKER_RUNTIME' = 'dotnet-isolated'
    'AzureWebJobsStorage__accountName' = $env:AZURE_STORAGE_ACCOUNT_NAME
    'ServiceBusConnection__fullyQualifiedNamespace' = $env:SERVICEBUS_NAMESPACE_FQDN
    'APPLICATIONINSIGHTS_CONNECTION_STRING' = $env:APPLICATIONINSIGHTS_CONNECTION_STRING
    'TaskHubName' = $env:DURABLE_TASK_HUB_NAME
    'FunctionsOpt__ArtifactStore__Kind' = 'Blob'
    'FunctionsOpt__ArtifactStore__AccountUri' = $env:AZURE_STORAGE_BLOB_ENDPOINT
    'FunctionsOpt__Session__Provider' = 'Cuda'
    'FunctionsOpt__Session__AllowCpuFallback' = 'true'
    'FunctionsOpt__ServiceBus__Transport' = 'ServiceBus'
    'FunctionsOpt__ServiceBus__RequestsQueueName' = $env:SERVICEBUS_REQUESTS_QUEUE_NAME
    'FunctionsOpt__ServiceBus__EventsTopicName' = $env:SERVICEBUS_EVENTS_TOPIC_NAME
  }
}

$tmp = "$target.tmp.$PID"
$settings | ConvertTo-Json -Depth 3 | Set-Content -Path $tmp -Encoding utf8NoBOM
Move-Item -Force -Path $tmp -Destination $target
Write-Host "postprovision: wrote $target"
