using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Messaging;
using FunctionsOpt.Orchestration.Telemetry;

// The portable FunctionsOpt host: the durable engine (worker + in-process gRPC sidecar over Azure Storage or memory),
// the artifact store, the models/*.opt.json blob watcher and the optimization-requests queue listener. Every setting
// comes from configuration (appsettings.json, FunctionsOpt__... environment variables, command-line arguments).
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddFunctionsOptArtifactStore();
builder.Services.AddFunctionsOptDurableEngine(builder.Configuration);
builder.Services.AddFunctionsOptIngestion(builder.Configuration);
// Service Bus intake and run events when FunctionsOpt:ServiceBus:Transport is ServiceBus (infra sets it in Azure);
// with the default storage-queue transport the processor stays off and run events are only logged.
builder.Services.AddFunctionsOptServiceBus();
builder.Services.AddFunctionsOptTelemetry(builder.Configuration);

var app = builder.Build();
await app.RunAsync().ConfigureAwait(false);
