using System.Diagnostics;

namespace FunctionsOpt.Host.Tests.TestKit;

/// <summary>Polls until something shows up.</summary>
internal static class Eventually
{
    public static async Task<T> ExistsAsync<T>(Func<Task<T?>> probe, TimeSpan timeout)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Nothing showed up within {timeout}.");
            }

            await Task.Delay(200);
        }
    }
}
