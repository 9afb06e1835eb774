using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>
/// One embedded durable engine per test class, its run events recorded instead of only logged, and two placeholder
/// blobs (<see cref="ModelBlob"/>, <see cref="DataBlob"/>) for intake tests: the intake only checks that they exist,
/// and a run started from them fails its validation quickly (the model is not ONNX).
/// </summary>
public sealed class EmbeddedEngineFixture : IAsyncLifetime
{
    /// <summary>A blob under <c>models/</c> that exists (its content is not a model).</summary>
    public const string ModelBlob = "intake/model.onnx";

    /// <summary>A blob under <c>models/</c> that exists (its content is not a dataset).</summary>
    public const string DataBlob = "intake/eval.csv";

    private readonly string _root = Directory.CreateTempSubdirectory("fopt-sb-").FullName;

    public EmbeddedOptimizationHost Host { get; private set; } = null!;

    internal RecordingRunEventPublisher Events { get; } = new();

    public async Task InitializeAsync()
    {
        Host = await EmbeddedOptimizationHost.StartAsync(
            _root,
            o => o.WorkDirectory = Path.Combine(_root, "work"),
            configureServices: services => services.AddSingleton<IRunEventPublisher>(Events));
        foreach (var blob in new[] { ModelBlob, DataBlob })
        {
            using var placeholder = new MemoryStream("placeholder"u8.ToArray());
            await Host.Store.UploadAsync(ArtifactLayout.Model(blob), placeholder);
        }
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await TestFolders.DeleteAsync(_root);
    }
}
