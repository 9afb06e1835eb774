using FunctionsOpt.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The isolated worker: ASP.NET Core integration for HTTP, then the shared library's registrations. Everything
// FunctionsOpt reads is bound from configuration (app settings FunctionsOpt__{Section}__{Property}) and validated at start.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddFunctionsOptFunctionsApp(builder.Configuration);
builder.Build().Run();
