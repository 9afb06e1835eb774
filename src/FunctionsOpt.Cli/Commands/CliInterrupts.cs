using System.Runtime.InteropServices;

namespace FunctionsOpt.Cli.Commands;

/// <summary>
/// Ctrl+C and SIGTERM for the whole process. A command that can stop cleanly (<c>fopt optimize</c>) calls
/// <see cref="HandleGracefully"/>: the first signal then only cancels <see cref="Token"/> and the command winds down
/// (keeps finished trials, writes a partial report, exits 130). Any second signal ends the process at once with 130,
/// whatever is still running. Without a graceful command the first signal keeps its usual meaning. Needed because the
/// embedded engine's generic hosts register console-lifetime handlers that swallow the signals and then wait forever.
/// </summary>
internal static class CliInterrupts
{
    /// <summary>The exit code of a run stopped by a signal (128 + SIGINT, the shell convention).</summary>
    public const int ExitCode = 130;

    private static readonly CancellationTokenSource Interrupted = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _signals;
    private static volatile bool _graceful;

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM once <see cref="HandleGracefully"/> was called.</summary>
    public static CancellationToken Token => Interrupted.Token;

    /// <summary>Registers the handlers; call once at start.</summary>
    public static void Install()
    {
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    /// <summary>From now on the first signal cancels <see cref="Token"/> instead of ending the process.</summary>
    public static void HandleGracefully() => _graceful = true;

    private static void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            ExitNow();
        }

        if (_graceful)
        {
            context.Cancel = true;
            Console.Error.WriteLine("Stopping after the trials in flight; finished trials are kept (press Ctrl+C again to quit at once).");
            Interrupted.Cancel();
        }
    }

    /// <summary>
    /// Ends the process now. Environment.Exit would run the hosts' process-exit handlers, which wait for their
    /// shutdown timeout; a second Ctrl+C must not wait for anything.
    /// </summary>
    private static void ExitNow()
    {
        Console.Out.Flush();
        Console.Error.Flush();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            NativeExit(ExitCode);
        }

        Environment.Exit(ExitCode);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void NativeExit(int status);
}
