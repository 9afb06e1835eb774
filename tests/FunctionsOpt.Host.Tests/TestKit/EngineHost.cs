using System.Globalization;
using Azure.Storage.Blobs;
using FunctionsOpt.Hosting.Durable;
using FunctionsOpt.Hosting.Ingestion;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Host.Tests.TestKit;

/// <summary>
/// The portable host's services (blob artifact store, durable engine on Azurite, optionally the blob watcher and the
/// queue listener) in a generic host configured the way the Host exe is, on a fresh task hub per instance.
/// </summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _work;

    private EngineHost(IHost host, string work)
    {
        _host = host;
        _work = work;
    }

    public IServiceProvider Services => _host.Services;

    public OptimizationRunClient Runs => Services.GetRequiredService<OptimizationRunClient>();

    public IArtifactStore Store => Services.GetRequiredService<IArtifactStore>();

    public OptimizationApi Api => Services.GetRequiredService<OptimizationApi>();

    /// <summary>The settings the tests run the host with (also the Host exe's, as command-line overrides).</summary>
    public static Dictionary<string, string?> Settings(AzuriteFixture azurite, string taskHub, string work, bool ingestion) => new()
    {
        ["FunctionsOpt:ArtifactStore:Kind"] = "Blob",
        ["FunctionsOpt:ArtifactStore:ConnectionString"] = azurite.ConnectionString,
        ["FunctionsOpt:DurableEngine:Backend"] = "AzureStorage",
        ["FunctionsOpt:DurableEngine:ConnectionString"] = azurite.ConnectionString,
        ["FunctionsOpt:DurableEngine:TaskHubName"] = taskHub,
        ["FunctionsOpt:DurableEngine:MaxConcurrentActivities"] = "2",
        ["FunctionsOpt:DurableEngine:MaxQueuePollingInterval"] = "00:00:00.500",
        ["FunctionsOpt:DurableEngine:PartitionCount"] = "1",
        ["FunctionsOpt:DurableEngine:WorkItemVisibilityTimeout"] = "00:00:15",
        ["FunctionsOpt:DurableEngine:ControlQueueVisibilityTimeout"] = "00:00:15",
        ["FunctionsOpt:DurableEngine:LeaseInterval"] = "00:00:10",
        ["FunctionsOpt:Optimization:MaxLatencyIterations"] = "20",
        ["FunctionsOpt:Optimization:MinLatencyIterations"] = "5",
        ["FunctionsOpt:Optimization:WorkDirectory"] = work,
        ["FunctionsOpt:Ingestion:ConnectionString"] = azurite.ConnectionString,
        ["FunctionsOpt:Ingestion:BlobWatcherEnabled"] = ingestion.ToString(CultureInfo.InvariantCulture),
        ["FunctionsOpt:Ingestion:QueueListenerEnabled"] = ingestion.ToString(CultureInfo.InvariantCulture),
        ["FunctionsOpt:Ingestion:BlobPollInterval"] = "00:00:00.250",
        ["FunctionsOpt:Ingestion:QueuePollInterval"] = "00:00:00.250",
    };

    public static async Task<EngineHost> StartAsync(
        AzuriteFixture azurite,
        bool ingestion = false,
        string? taskHub = null,
        Action<Dictionary<string, string?>>? configure = null,
        Action<IServiceCollection>? configureServices = null,
        ILoggerProvider? logs = null)
    {
        var work = Directory.CreateTempSubdirectory("fopt-host-work-").FullName;
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = Settings(azurite, taskHub ?? NewTaskHub(), work, ingestion);
        configure?.Invoke(settings);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging(logging =>
        {
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        builder.Services.AddFunctionsOptArtifactStore();
        builder.Services.AddFunctionsOptDurableEngine(builder.Configuration);
        builder.Services.AddFunctionsOptIngestion(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new EngineHost(host, work);
    }

    public static string NewTaskHub() => "t" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Uploads the penguins model and evaluation data under <c>models/{folder}/</c>.</summary>
    public static async Task UploadPenguinsAsync(AzuriteFixture azurite, string folder)
    {
        var models = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(ArtifactLayout.ModelsContainer);
        await models.CreateIfNotExistsAsync();
        await models.GetBlobClient(folder + "/model.onnx").UploadAsync(Path.Combine(Samples.Penguins, "model.onnx"), overwrite: true);
        await models.GetBlobClient(folder + "/eval.csv").UploadAsync(Path.Combine(Samples.Penguins, "eval.csv"), overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A session may still hold a file for a moment; a leftover temp folder is harmless.
        }
    }
}

/// <summary>The penguins sample and the specs the tests submit for it.</summary>
internal static class Samples
{
    public static readonly string Penguins = Path.Combine(AppContext.BaseDirectory, "samples", "penguins");

    /// <summary>The embedded test's Hyperband budget (R = 9, eta = 3) on the models/{folder}/ copy of the sample.</summary>
    public static OptimizationSpec PenguinsHyperband(string folder, long seed = 3) => new()
    {
        Model = new ModelReference { Blob = folder + "/model.onnx" },
        Dataset = new DatasetReference { Blob = folder + "/eval.csv", LabelColumn = "species", Input = "features" },
        Objective = new ObjectiveSpec { Metric = ObjectiveMetric.SizeBytes },
        Constraints = new ConstraintsSpec { Quality = [new QualityConstraint { Metric = QualityMetric.Accuracy, MaxDrop = 0.01 }] },
        Search = new SearchSpec { MaxResource = 9, Eta = 3 },
        Passes = ["prune-magnitude", "fp16", "quantize-dynamic", "quantize-static"],
        Seed = seed,
    };

    /// <summary>A quick run: two random trials at full budget.</summary>
    public static OptimizationSpec PenguinsQuick(string folder, long seed = 5) => PenguinsHyperband(folder, seed) with
    {
        Search = new SearchSpec { Scheduler = SearchScheduler.Random, MaxTrials = 2, MaxResource = 1 },
    };
}
