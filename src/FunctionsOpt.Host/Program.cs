using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Orchestration.Artifacts;

// The portable FunctionsOpt host: the durable engine (worker + in-process gRPC sidecar over Azure Storage or memory),
// the artifact store, the models/*.opt.json blob watcher and the optimization-requests queue listener. Every setting
// comes from configuration (appsettings.json, FunctionsOpt__... environment variables, command-line arguments).
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddFunctionsOptArtifactStore();
builder.Services.AddFunctionsOptDurableEngine(builder.Configuration);
builder.Services.AddFunctionsOptIngestion(builder.Configuration);

var app = builder.Build();
await app.RunAsync().ConfigureAwait(false);
