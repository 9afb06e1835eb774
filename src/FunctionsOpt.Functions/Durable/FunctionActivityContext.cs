using Microsoft.DurableTask;

namespace FunctionsOpt.Functions.Durable;

/// <summary>The activity context handed to a shared activity class from its <c>[ActivityTrigger]</c> wrapper.</summary>
internal sealed class FunctionActivityContext(TaskName name, string instanceId) : TaskActivityContext
{
    public override TaskName Name { get; } = name;

    public override string InstanceId { get; } = instanceId;
}
