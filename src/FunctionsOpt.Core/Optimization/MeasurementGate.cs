namespace FunctionsOpt.Core.Optimization;

/// <summary>
/// Lets one latency measurement run at a time in this process. Candidates built and scored in parallel would
/// otherwise time each other's thread pools on a small CPU (see STACK.md: 12 ms became 21-73 ms), so trials share one
/// gate and only the timed part waits. Thread-safe.
/// </summary>
public sealed class MeasurementGate : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    /// <summary>Waits for the gate; dispose the result to release it.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken = default)
    {
        await _semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_semaphore);
    }

    /// <inheritdoc />
    public void Dispose() => _semaphore.Dispose();

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
