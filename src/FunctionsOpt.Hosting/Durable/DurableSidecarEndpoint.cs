using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Hosting.Durable;

/// <summary>
/// Where this process's gRPC sidecar listens (loopback only) and the one channel the worker and the client share.
/// The port is fixed when this is created: <see cref="DurableEngineOptions.SidecarPort"/>, or a free one.
/// </summary>
public sealed class DurableSidecarEndpoint : IDisposable
{
    private readonly Lazy<GrpcChannel> _channel;

    /// <summary>Chooses the port from <paramref name="options"/>.</summary>
    public DurableSidecarEndpoint(IOptions<DurableEngineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Port = options.Value.SidecarPort > 0 ? options.Value.SidecarPort : FreeLoopbackPort();
        Address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}"));
        _channel = new Lazy<GrpcChannel>(() => GrpcChannel.ForAddress(Address), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>The sidecar's address (<c>http://127.0.0.1:{port}</c>, HTTP/2 without TLS).</summary>
    public Uri Address { get; }

    /// <summary>The channel to the sidecar.</summary>
    public GrpcChannel Channel => _channel.Value;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_channel.IsValueCreated)
        {
            _channel.Value.Dispose();
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
