using FunctionsOpt.Hosting;

// The portable FunctionsOpt host: the HTTP API, the durable engine (worker + in-process gRPC sidecar over Azure Storage
// or memory), the artifact store, the models/*.opt.json blob watcher and the optimization-requests queue listener.
// Every setting comes from configuration (appsettings.json, appsettings.{Environment}.json, FunctionsOpt__...
// environment variables, command-line arguments); Azurite's connection strings are in the Development settings.
var builder = WebApplication.CreateBuilder(args);
builder.AddFunctionsOptPortableHost();
var app = builder.Build();
app.UseFunctionsOptPortableHost();
await app.RunAsync().ConfigureAwait(false);
