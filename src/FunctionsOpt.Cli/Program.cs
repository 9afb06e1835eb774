using FunctionsOpt.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

// Redirected output (a pipe, a CI log) has no window, and Spectre.Console then wraps every line at 80 columns:
// honour COLUMNS when it is set, else use a width that keeps result lines whole.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 200;
}

CliInterrupts.Install();
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("fopt");
    config.SetApplicationVersion(CliVersion.Text);
    // An unknown option is an error, not something to ignore: '--max-acc-drop 0.01' must not run with the default bar.
    config.UseStrictParsing();
    config.AddCommand<InspectCommand>("inspect")
        .WithDescription("Validate an ONNX model and show what it is made of.")
        .WithExample("inspect", "samples/penguins/model.onnx");
    config.AddCommand<ProfileCommand>("profile")
        .WithDescription("Measure a model: accuracy on evaluation data, latency percentiles, throughput, size and peak memory.")
        .WithExample("profile", "samples/penguins/model.onnx", "--data", "samples/penguins/eval.csv");
    config.AddCommand<OptimizeCommand>("optimize")
        .WithDescription("Search compression passes for the fastest (or smallest) model that keeps its accuracy, on the embedded durable engine.")
        .WithExample("optimize", "samples/penguins/model.onnx", "--data", "samples/penguins/eval.csv", "--max-accuracy-drop", "0.01");
    config.AddCommand<ReportCommand>("report")
        .WithDescription("Render a run's report from its state.json, or from a running service with --url: html (self-contained), json (report.json) or md (pull-request summary).")
        .WithExample("report", "fopt-out/runs/run-5ad57385cb00040f", "--format", "md")
        .WithExample("report", "run-5ad57385cb00040f", "--url", "http://localhost:5000", "--format", "html", "--out", "report.html");
    config.AddCommand<ServeCommand>("serve")
        .WithDescription("Run the portable host (HTTP API, durable engine on Azure Storage, blob drop, queue) in this process until Ctrl+C.")
        .WithExample("serve", "--azurite")
        .WithExample("serve", "--urls", "http://0.0.0.0:8080", "--api-key", "a-long-random-secret");
    config.AddCommand<SubmitCommand>("submit")
        .WithDescription("Start a run on a running service from a spec file; --wait follows it to the end.")
        .WithExample("submit", "spec.json", "--url", "http://localhost:5000", "--wait");
    config.AddCommand<StatusCommand>("status")
        .WithDescription("Show one run of a running service, or list its runs (optionally one status).")
        .WithExample("status", "run-5ad57385cb00040f")
        .WithExample("status", "--status", "Completed");
    config.AddCommand<MemoryProbeCommand>("memprobe")
        .WithDescription("Internal: measure peak memory of loading and running a model in this fresh process.")
        .IsHidden();
    config.SetExceptionHandler((exception, _) => ErrorReporter.Report(exception, args));
});
return await app.RunAsync(args);
