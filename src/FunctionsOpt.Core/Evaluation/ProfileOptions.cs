using System.ComponentModel.DataAnnotations;

namespace FunctionsOpt.Core.Evaluation;

/// <summary>How a performance profile is measured. Bound from configuration section <see cref="SectionName"/>.</summary>
public sealed record ProfileOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "FunctionsOpt:Profile";

    /// <summary>Untimed runs before measuring, per batch size (lets ORT allocate arenas and JIT kernels). Default 5.</summary>
    [Range(0, 10_000)]
    public int WarmupRuns { get; init; } = 5;

    /// <summary>Timed runs per batch size (at most; see <see cref="MaxSecondsPerBatchSize"/>). Default 50.</summary>
    [Range(1, 1_000_000)]
    public int TimedRuns { get; init; } = 50;

    /// <summary>Minimum timed runs even when the time budget is spent, so percentiles stay meaningful. Default 5.</summary>
    [Range(1, 1_000_000)]
    public int MinTimedRuns { get; init; } = 5;

    /// <summary>Time budget for the timed runs of one batch size. Default 10 s.</summary>
    [Range(0.01, 3600)]
    public double MaxSecondsPerBatchSize { get; init; } = 10;

    /// <summary>Batch sizes measured when none are configured.</summary>
    public static IReadOnlyList<int> DefaultBatchSizes { get; } = [1, 8, 64];

    /// <summary>
    /// Batch sizes to measure; 1 gives the latency figures. Null or empty means <see cref="DefaultBatchSizes"/>
    /// (a null default, because configuration binding appends to a pre-filled list instead of replacing it).
    /// </summary>
    public IReadOnlyList<int>? BatchSizes { get; init; }

    /// <summary>The batch sizes that will be measured.</summary>
    public IReadOnlyList<int> ResolvedBatchSizes => BatchSizes is { Count: > 0 } ? BatchSizes : DefaultBatchSizes;

    /// <summary>Seed for synthetic inputs when no dataset is given.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>
    /// Sizes of named symbolic input dimensions (for example <c>seq</c> = 128) for synthetic inputs and the memory
    /// probe, where no dataset fixes them; the batch axis always takes the batch size. Null: none given.
    /// </summary>
    public IReadOnlyDictionary<string, long>? Dimensions { get; init; }
}
