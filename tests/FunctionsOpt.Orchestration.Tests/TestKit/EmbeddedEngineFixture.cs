using FunctionsOpt.Embedded;
using FunctionsOpt.Orchestration.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>One embedded durable engine per test class, its run events recorded instead of only logged.</summary>
public sealed class EmbeddedEngineFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("fopt-sb-").FullName;

    public EmbeddedOptimizationHost Host { get; private set; } = null!;

    internal RecordingRunEventPublisher Events { get; } = new();

    public async Task InitializeAsync() =>
        Host = await EmbeddedOptimizationHost.StartAsync(
            _root,
            o => o.WorkDirectory = Path.Combine(_root, "work"),
            configureServices: services => services.AddSingleton<IRunEventPublisher>(Events));

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
