namespace FunctionsOpt.Core.Optimization;

/// <summary>
/// Lets one latency measurement run at a time on this machine. Candidates built and scored in parallel would
/// otherwise time each other's thread pools on a small CPU (see STACK.md: 12 ms became 21-73 ms), so trials share one
/// gate and only the timed part waits. The durable fan-out runs many trial activities at once, in one worker process
/// or in several on one machine: inside a process a semaphore orders them, and across processes an exclusive lock
/// on one file in the temp folder does (an OS file lock, released by the OS if the holder dies). Builds and scoring
/// still run in parallel; only timing is serialized. Thread-safe.
/// </summary>
public sealed class MeasurementGate : IDisposable
{
    /// <summary>The lock file every FunctionsOpt process on this machine shares by default.</summary>
    public static readonly string DefaultLockPath = Path.Combine(Path.GetTempPath(), "functionsopt-timing.lock");

    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private readonly string? _lockPath;

    /// <summary>Creates the gate; <paramref name="lockPath"/> null or empty keeps it to this process.</summary>
    public MeasurementGate(string? lockPath = null)
    {
        _lockPath = lockPath is null ? DefaultLockPath : lockPath.Length == 0 ? null : lockPath;
    }

    /// <summary>Waits for the gate; dispose the result to release it.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken = default)
    {
        await _semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var file = _lockPath is null ? null : await LockAsync(_lockPath, cancellationToken).ConfigureAwait(false);
            return new Release(_semaphore, file);
        }
        catch
        {
            _semaphore.Release();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _semaphore.Dispose();

    private static async Task<FileStream?> LockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException)
            {
                // Another process is timing; poll briefly (timings last milliseconds to seconds).
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
            catch (UnauthorizedAccessException)
            {
                // A lock file we may not open (another user's): fall back to this process's gate only.
                return null;
            }
        }
    }

    private sealed class Release(SemaphoreSlim semaphore, FileStream? file) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                file?.Dispose();
                semaphore.Release();
            }
        }
    }
}
