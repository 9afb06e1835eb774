using System.ComponentModel.DataAnnotations;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// Size limits applied while reading evaluation data. Limits are enforced on bytes actually read or inflated, never
/// on sizes that a file declares about itself, so a crafted archive cannot slip past them.
/// </summary>
public sealed class DataLimitsOptions
{
    /// <summary>Configuration section these options bind to.</summary>
    public const string SectionName = "FunctionsOpt:DataLimits";

    /// <summary>Most bytes one NPZ entry may inflate to. Default 1 GiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxEntryBytes { get; set; } = 1L << 30;

    /// <summary>Most bytes all entries of one NPZ may inflate to together. Default 4 GiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxTotalBytes { get; set; } = 4L << 30;

    /// <summary>Largest data file (NPY, NPZ, CSV, manifest) accepted, as stored on disk. Default 4 GiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 4L << 30;

    /// <summary>Shared instance holding the defaults.</summary>
    internal static DataLimitsOptions Default { get; } = new();
}
