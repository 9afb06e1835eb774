using FunctionsOpt.Core.Optimization;

namespace FunctionsOpt.Core.Tests.Optimization;

public sealed class MeasurementGateTests
{
    [Fact]
    public async Task EnterAsync_TwoGatesOnOneLockFile_SecondWaitsUntilFirstReleases()
    {
        // Two gates with their own semaphores stand for two worker processes on one machine: only the file lock orders them.
        var path = Path.Combine(Path.GetTempPath(), "fopt-gate-" + Guid.NewGuid().ToString("N") + ".lock");
        using var first = new MeasurementGate(path);
        using var second = new MeasurementGate(path);
        try
        {
            var held = await first.EnterAsync();
            var waiting = second.EnterAsync();
            await Task.Delay(200);
            Assert.False(waiting.IsCompleted);

            held.Dispose();
            using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(waiting.IsCompletedSuccessfully);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task EnterAsync_ProcessOnlyGate_SerializesCallersInProcess()
    {
        using var gate = new MeasurementGate(string.Empty);
        var held = await gate.EnterAsync();
        var waiting = gate.EnterAsync();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        held.Dispose();
        (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }
}
