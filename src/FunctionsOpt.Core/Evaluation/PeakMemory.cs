using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using Microsoft.ML.OnnxRuntime;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>Measures peak resident memory of loading and running a model.</summary>
public interface IPeakMemoryProbe
{
    /// <summary>Returns the reading, or null where the platform cannot measure it.</summary>
    /// <param name="modelPath">The model file.</param>
    /// <param name="settings">The session settings to measure under.</param>
    /// <param name="batchSize">The batch the synthetic inputs have.</param>
    /// <param name="cancellationToken">Stops waiting for the measurement.</param>
    /// <param name="dimensions">Sizes of named symbolic input dimensions for the synthetic inputs; null when none.</param>
    MemoryReading? Measure(string modelPath, SessionSettings settings, int batchSize, CancellationToken cancellationToken, IReadOnlyDictionary<string, long>? dimensions = null);
}

/// <summary>
/// Runs the measurement in a fresh child process: in one long-lived process glibc keeps freed memory, so a second
/// model's peak reads low. The child command (for example <c>fopt memprobe</c>) must call
/// <see cref="PeakMemoryWorker.Run"/> and print its JSON on the last line of standard output.
/// </summary>
public sealed class ChildProcessMemoryProbe : IPeakMemoryProbe
{
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _prefixArguments;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the probe for a child command: executable and the arguments before the probe's own.</summary>
    public ChildProcessMemoryProbe(string fileName, IReadOnlyList<string> prefixArguments, TimeSpan? timeout = null)
    {
        _fileName = fileName;
        _prefixArguments = prefixArguments;
        _timeout = timeout ?? TimeSpan.FromMinutes(5);
    }

    /// <inheritdoc />
    public MemoryReading? Measure(string modelPath, SessionSettings settings, int batchSize, CancellationToken cancellationToken, IReadOnlyDictionary<string, long>? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var start = new ProcessStartInfo(_fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _prefixArguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in PeakMemoryWorker.Arguments(modelPath, settings, batchSize, dimensions))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start memory probe '{_fileName}'.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (!process.WaitForExit(_timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The memory probe did not finish within {_timeout.TotalSeconds:F0} s.");
        }

        var output = stdout.GetAwaiter().GetResult();
        if (process.ExitCode == PeakMemoryWorker.UserErrorExitCode)
        {
            // The child names a problem with the model or its inputs on standard error (for example a symbolic
            // dimension without a size): that is the user's to fix, not an internal failure.
            throw new InvalidEvaluationRequestException($"The peak-memory measurement could not run the model: {stderr.GetAwaiter().GetResult().Trim()}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The memory probe failed with exit code {process.ExitCode}: {stderr.GetAwaiter().GetResult().Trim()}");
        }

        var lastLine = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException("The memory probe printed nothing.");
        return JsonSerializer.Deserialize<MemoryReading>(lastLine, PeakMemoryWorker.JsonOptions)
            ?? throw new InvalidOperationException($"The memory probe printed an unreadable result: {lastLine}");
    }
}

/// <summary>The child side of <see cref="ChildProcessMemoryProbe"/>: load, run, read VmHWM.</summary>
public static class PeakMemoryWorker
{
    /// <summary>Runs performed after session creation, so arenas reach their steady size.</summary>
    public const int Runs = 10;

    /// <summary>Exit code of a child that failed on a user error, which it describes on standard error.</summary>
    public const int UserErrorExitCode = 2;

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The arguments the child command receives after its prefix (<c>--dim NAME=SIZE</c> once per dimension).</summary>
    public static IReadOnlyList<string> Arguments(string modelPath, SessionSettings settings, int batchSize, IReadOnlyDictionary<string, long>? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var arguments = new List<string>
        {
            modelPath,
            "--provider", settings.Provider.ToName(),
            "--threads", settings.IntraOpThreads.ToString(CultureInfo.InvariantCulture),
            "--optimization", settings.OptimizationLevel.ToString().ToLowerInvariant(),
            "--batch-size", batchSize.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, size) in (dimensions ?? new Dictionary<string, long>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            arguments.Add("--dim");
            arguments.Add(string.Create(CultureInfo.InvariantCulture, $"{name}={size}"));
        }

        return arguments;
    }

    /// <summary>Measures this process: VmHWM once the runtime is up, then after loading and running the model.</summary>
    public static MemoryReading Run(string modelPath, SessionSettings settings, int batchSize, InferenceSessionFactory sessions, IReadOnlyDictionary<string, long>? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        _ = OrtEnv.Instance();
        var baseline = ReadPeakBytes();
        using var handle = sessions.Create(modelPath, settings);
        var inputs = ProfileInputs.Build(handle.Session, new ModelRunner(handle).EffectiveBatchSize(batchSize), null, 1, dimensions);
        var dataset = new EvaluationDataset(inputs);
        var runner = new ModelRunner(handle);
        for (var i = 0; i < Runs; i++)
        {
            runner.Run(dataset, dataset.Count);
        }

        return new MemoryReading
        {
            BaselinePeakBytes = baseline,
            PeakBytes = ReadPeakBytes(),
            BatchSize = dataset.Count,
            Provider = handle.ProviderUsed.ToName(),
        };
    }

    /// <summary>Serializes a reading as the one JSON line the parent reads.</summary>
    public static string ToJson(MemoryReading reading) => JsonSerializer.Serialize(reading, JsonOptions);

    /// <summary>VmHWM (peak resident set) of this process in bytes, from /proc/self/status.</summary>
    public static long ReadPeakBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("/proc/self/status has no VmHWM line.");
    }
}
