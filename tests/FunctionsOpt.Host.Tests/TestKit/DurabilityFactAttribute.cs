namespace FunctionsOpt.Host.Tests.TestKit;

/// <summary>
/// The kill -9 durability journey runs when <c>FOPT_DURABILITY_TESTS=1</c>. It is kept out of the default run because
/// of a known, not yet fixed stall: after the Durable Task gRPC worker logs "Channel to backend has stopped receiving
/// traffic, will attempt to reconnect", work items the in-process sidecar had already dispatched are never completed
/// and the run hangs (seen once in a loaded fresh-clone CI run; the same test passed in ~50 s otherwise).
/// </summary>
public sealed class DurabilityFactAttribute : FactAttribute
{
    public const string Variable = "FOPT_DURABILITY_TESTS";

    public DurabilityFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Opt-in: set {Variable}=1 (known sidecar stall after a worker reconnect; see DurabilityFactAttribute).";
        }
    }
}
