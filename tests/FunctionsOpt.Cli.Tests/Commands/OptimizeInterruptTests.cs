using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace FunctionsOpt.Cli.Tests.Commands;

/// <summary>Ctrl+C (SIGINT) sent to a real <c>fopt optimize</c> child process, as a terminal would send it.</summary>
public sealed class OptimizeInterruptTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("fopt-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    private string[] Command => ["optimize", FoptProcess.PenguinsModel, "--data", FoptProcess.PenguinsEval, "--budget", "27", "--out", _out];

    [Fact]
    public async Task Optimize_SigintDuringSearch_ExitsCancelledWithPartialReportAndTheRerunResumes()
    {
        using var child = RunningFopt.Start(Command);
        await child.WaitForOutputAsync("Searching", TimeSpan.FromMinutes(3));

        child.Signal("INT");
        var stopped = Stopwatch.StartNew();
        var exitCode = await child.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 130, child.Output);
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(60), $"took {stopped.Elapsed}");
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_out, "runs")));
        Assert.True(File.Exists(Path.Combine(run, "report.html")), child.Output);
        using (var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "state.json"))))
        {
            Assert.Equal("cancelled", state.RootElement.GetProperty("status").GetString());
            var kept = state.RootElement.GetProperty("trials").EnumerateArray().Count(t => t.GetProperty("status").GetString() == "ok");
            Assert.Contains($"interrupted: {kept} finished trial(s) kept", child.Output, StringComparison.Ordinal);
            var searchDone = state.RootElement.GetProperty("trials").EnumerateArray()
                .Count(t => t.GetProperty("status").GetString() == "ok" && !t.GetProperty("trialId").GetString()!.StartsWith("final-", StringComparison.Ordinal));

            var (rerunExit, rerunOutput) = FoptProcess.Run(Command);

            // Hyperband with R = 27, eta = 3 plans 27+9+3+1 + 12+4+1 + 6+2 + 4 = 69 trials.
            Assert.True(rerunExit == 0, rerunOutput);
            Assert.Contains($"Resuming run {Path.GetFileName(run)}: {searchDone} of 69 trials done", rerunOutput, StringComparison.Ordinal);
        }

        using var finished = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "state.json")));
        Assert.Equal("completed", finished.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Optimize_SecondSigint_ExitsAtOnce()
    {
        using var child = RunningFopt.Start(Command);
        await child.WaitForOutputAsync("Searching", TimeSpan.FromMinutes(3));

        child.Signal("INT");
        await child.WaitForOutputAsync("press Ctrl+C again", TimeSpan.FromSeconds(10));
        var stopped = Stopwatch.StartNew();
        child.Signal("INT");
        var exitCode = await child.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(130, exitCode);
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5), $"took {stopped.Elapsed}");
    }

    /// <summary>A started fopt whose output is collected as it comes, so a test can act on what it printed.</summary>
    private sealed class RunningFopt : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private RunningFopt(Process process) => _process = process;

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

        public static RunningFopt Start(string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(FoptProcess.FoptDll);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["COLUMNS"] = "200";
            var running = new RunningFopt(new Process { StartInfo = start });
            void Append(object? sender, DataReceivedEventArgs e)
            {
                if (e.Data is not null)
                {
                    lock (running._output)
                    {
                        running._output.AppendLine(e.Data);
                    }
                }
            }

            running._process.OutputDataReceived += Append;
            running._process.ErrorDataReceived += Append;
            running._process.Start();
            running._process.BeginOutputReadLine();
            running._process.BeginErrorReadLine();
            return running;
        }

        public async Task WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                Assert.False(_process.HasExited, $"fopt exited before printing '{text}':\n{Output}");
                Assert.True(deadline.Elapsed < timeout, $"fopt did not print '{text}' within {timeout}:\n{Output}");
                await Task.Delay(100);
            }
        }

        /// <summary>Sends a signal with kill(1): Process.Kill can only send SIGKILL.</summary>
        public void Signal(string name)
        {
            using var kill = Process.Start("/bin/kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
