using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Orchestration.Api;

/// <summary>
/// Naming of the blob-drop journey: a spec uploaded as <c>models/{name}.opt.json</c> starts a run; a rejected one gets
/// <c>models/{name}.opt.error.json</c> next to it. The error record's name does not end in <see cref="SpecSuffix"/>,
/// so writing it never triggers another submission.
/// </summary>
public static class SpecDrop
{
    /// <summary>Suffix of a dropped spec.</summary>
    public const string SpecSuffix = ".opt.json";

    /// <summary>Suffix of the error record written next to a rejected spec.</summary>
    public const string ErrorSuffix = ".opt.error.json";

    /// <summary>The blob trigger's path pattern: <c>models/{name}.opt.json</c>.</summary>
    public const string TriggerPath = ArtifactLayout.ModelsContainer + "/{name}" + SpecSuffix;

    /// <summary>Whether <paramref name="blobName"/> (inside <c>models</c>) is a dropped spec.</summary>
    public static bool IsSpec(string blobName) =>
        blobName is not null && blobName.EndsWith(SpecSuffix, StringComparison.Ordinal) && blobName.Length > SpecSuffix.Length;

    /// <summary>The spec's blob name for the trigger's <c>{name}</c>.</summary>
    public static string SpecNameOf(string name) => name + SpecSuffix;

    /// <summary><c>models/{name}.opt.error.json</c> for the spec <c>models/{name}.opt.json</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="specBlobName"/> does not end in <see cref="SpecSuffix"/>.</exception>
    public static ArtifactPath ErrorRecordOf(string specBlobName)
    {
        ArgumentNullException.ThrowIfNull(specBlobName);
        return IsSpec(specBlobName)
            ? ArtifactLayout.Model(specBlobName[..^SpecSuffix.Length] + ErrorSuffix)
            : throw new ArgumentException($"\"{specBlobName}\" is not a dropped spec; its name must end in \"{SpecSuffix}\".", nameof(specBlobName));
    }
}
