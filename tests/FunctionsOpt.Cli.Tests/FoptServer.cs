using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FunctionsOpt.Cli.Commands;

namespace FunctionsOpt.Cli.Tests;

/// <summary>
/// <c>fopt serve --azurite</c> running as a separate process, as a user starts it; its address and Azurite's
/// connection string are read from what it prints. Stopped with SIGTERM (as Ctrl+C would), killed if that fails.
/// </summary>
internal sealed class FoptServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private FoptServer(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;

    public string StorageConnectionString { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static FoptServer Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(FoptProcess.FoptDll);
        start.ArgumentList.Add("serve");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var server = new FoptServer(Process.Start(start)!);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (server._output)
            {
                server._output.AppendLine(line);
                if (line.StartsWith(ServeCommand.ListeningPrefix, StringComparison.Ordinal) && server.Address is null)
                {
                    server.Address = new Uri(line[ServeCommand.ListeningPrefix.Length..].Split(' ')[0]);
                }
                else if (line.StartsWith(ServeCommand.AzuritePrefix, StringComparison.Ordinal))
                {
                    server.StorageConnectionString = line[ServeCommand.AzuritePrefix.Length..];
                }

                if (server.Address is not null && server.StorageConnectionString is not null)
                {
                    ready.TrySetResult();
                }
            }
        }

        server._process.OutputDataReceived += (_, e) => Read(e.Data);
        server._process.ErrorDataReceived += (_, e) => Read(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            server.Dispose();
            throw new TimeoutException("fopt serve did not print its address and Azurite's connection string within 60 s:\n" + server.Output);
        }

        return server;
    }

    /// <summary>SIGTERM, then waits for the process to exit; true when it exited on its own.</summary>
    public bool Stop(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        return _process.WaitForExit(timeout);
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Whether something accepts connections on <paramref name="port"/> of loopback.</summary>
    public static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
}
