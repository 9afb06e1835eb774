#!/bin/sh
# azd postprovision hook (POSIX sh): writes local.settings.json from the provisioned resources, so the Functions app
# can run locally against them. azd exports the outputs of infra/main.bicep as environment variables.
#
# Connections are identity-based without __credential/__clientId, so locally they authenticate as the developer
# (DefaultAzureCredential: az/azd login), who was granted the same data roles as the apps (infra/app/rbac.bicep).
# No key or secret is written. Target: $LOCAL_SETTINGS_PATH if set, else src/FunctionsOpt.Functions/local.settings.json
# when that project exists, else ./local.settings.json (git ignores local.settings.json everywhere).
set -eu

missing=""
for name in AZURE_STORAGE_ACCOUNT_NAME AZURE_STORAGE_BLOB_ENDPOINT SERVICEBUS_NAMESPACE_FQDN \
  SERVICEBUS_REQUESTS_QUEUE_NAME SERVICEBUS_EVENTS_TOPIC_NAME APPLICATIONINSIGHTS_CONNECTION_STRING DURABLE_TASK_HUB_NAME; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    missing="$missing $name"
  fi
done
if [ -n "$missing" ]; then
  echo "postprovision: missing azd outputs:$missing (run 'azd provision' first, or 'azd env refresh')." >&2
  exit 1
fi

if [ -n "${LOCAL_SETTINGS_PATH:-}" ]; then
  target="$LOCAL_SETTINGS_PATH"
elif [ -d src/FunctionsOpt.Functions ]; then
  target="src/FunctionsOpt.Functions/local.settings.json"
else
  target="local.settings.json"
fi

# JSON string escaping for the characters that can occur in these values (backslash and double quote).
json() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

tmp="$target.tmp.$$"
{
  printf '{\n'
  printf '  "IsEncrypted": false,\n'
  printf '  "Values": {\n'
  printf '    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",\n'
  printf '    "AzureWebJobsStorage__accountName": %s,\n' "$(json "$AZURE_STORAGE_ACCOUNT_NAME")"
  printf '    "ServiceBusConnection__fullyQualifiedNamespace": %s,\n' "$(json "$SERVICEBUS_NAMESPACE_FQDN")"
  printf '    "APPLICATIONINSIGHTS_CONNECTION_STRING": %s,\n' "$(json "$APPLICATIONINSIGHTS_CONNECTION_STRING")"
  printf '    "TaskHubName": %s,\n' "$(json "$DURABLE_TASK_HUB_NAME")"
  printf '    "FunctionsOpt__ArtifactStore__Kind": "Blob",\n'
  printf '    "FunctionsOpt__ArtifactStore__AccountUri": %s,\n' "$(json "$AZURE_STORAGE_BLOB_ENDPOINT")"
  printf '    "FunctionsOpt__Session__Provider": "Cuda",\n'
  printf '    "FunctionsOpt__Session__AllowCpuFallback": "true",\n'
  printf '    "FunctionsOpt__ServiceBus__Transport": "ServiceBus",\n'
  printf '    "FunctionsOpt__ServiceBus__RequestsQueueName": %s,\n' "$(json "$SERVICEBUS_REQUESTS_QUEUE_NAME")"
  printf '    "FunctionsOpt__ServiceBus__EventsTopicName": %s\n' "$(json "$SERVICEBUS_EVENTS_TOPIC_NAME")"
  printf '  }\n'
  printf '}\n'
} > "$tmp"
mv "$tmp" "$target"
echo "postprovision: wrote $target"
