using FunctionsOpt.Core.Errors;
using FunctionsOpt.Orchestration.Api;

namespace FunctionsOpt.Functions.Triggers;

/// <summary>
/// A queued optimization request that can never start a run (invalid spec, missing blobs). Thrown after logging so
/// the Functions runtime retries the message until <c>maxDequeueCount</c> (host.json) and then moves it to the
/// <c>-poison</c> queue; the message text names every problem.
/// </summary>
public sealed class InvalidOptimizationRequestException : FunctionsOptException
{
    /// <summary>Stable error code.</summary>
    public const string Code = "invalid-request";

    /// <summary>Creates the error for message <paramref name="messageId"/> rejected with <paramref name="problem"/>.</summary>
    public InvalidOptimizationRequestException(string messageId, ApiProblem problem)
        : base(Code, Describe(messageId, problem))
    {
        MessageId = messageId;
        Problem = problem;
    }

    /// <summary>The queue message's id.</summary>
    public string MessageId { get; }

    /// <summary>Why it was rejected, every problem included.</summary>
    public ApiProblem Problem { get; }

    private static string Describe(string messageId, ApiProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var items = problem.Errors ?? [];
        return $"Queue message {messageId} was rejected ({problem.Code}): {problem.Detail}"
            + string.Concat(items.Select(e => $"{Environment.NewLine}- {e.Path}: {e.Message}; {e.Fix}"));
    }
}
