using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FunctionsOpt.PipelineBenchmarks;

/// <summary>Azurite from the repository's node_modules (`npm ci`) on free loopback ports, killed on dispose.</summary>
internal sealed class Azurite : IDisposable
{
    private readonly Process _process;

    private Azurite(Process process, int blob, int queue, int table)
    {
        _process = process;
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            string.Create(CultureInfo.InvariantCulture, $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;") +
            string.Create(CultureInfo.InvariantCulture, $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;") +
            string.Create(CultureInfo.InvariantCulture, $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;");
    }

    public string ConnectionString { get; }

    public static Azurite Start(string repository, string folder)
    {
        var executable = Path.Combine(repository, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException("Azurite is not installed: run `npm ci` in the repository root.");
        }

        Directory.CreateDirectory(folder);
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--location", folder, "--silent", "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new Azurite(process, ports[0], ports[1], ports[2]);
        foreach (var port in ports)
        {
            WaitForPort(process, port);
        }

        return azurite;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void WaitForPort(Process process, int port)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before listening on {port}.");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new TimeoutException($"Azurite did not listen on port {port} within 30 s.");
    }
}
