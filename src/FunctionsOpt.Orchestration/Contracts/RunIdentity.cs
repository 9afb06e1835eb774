using System.Security.Cryptography;
using System.Text;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Orchestration.Artifacts;

namespace FunctionsOpt.Orchestration.Contracts;

/// <summary>
/// A run's identity from what it actually optimizes: the spec's canonical hash (<see cref="SpecHash"/>), the SHA-256
/// of the model's bytes (and of each external-data file it names), of the data's bytes, and
/// <see cref="PassCatalogueVersion"/>. A spec hash alone names a file, not its content: a retrained model written
/// over the same path (or uploaded under the same blob name) would otherwise be answered with the old model's run.
/// </summary>
public static class RunIdentity
{
    /// <summary>
    /// Version of what the passes produce. Bump it when a pass's output or parameter space changes, so that a rerun
    /// after an upgrade is a new run rather than the stored result of the old passes.
    /// </summary>
    public const string PassCatalogueVersion = "passes-2026.12-1";

    /// <summary>
    /// The run id of <paramref name="spec"/> over inputs whose <see cref="ContentHashAsync"/> is
    /// <paramref name="contentHash"/>: <c>run-</c> and 16 hex digits. <paramref name="salt"/> (null for the normal
    /// case) makes a deliberately new run of the same inputs, for <c>fopt optimize --force</c>.
    /// </summary>
    public static string RunIdOf(OptimizationSpec spec, string contentHash, string? salt = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentHash);
        var text = string.Join('\n', SpecHash.Compute(spec), contentHash, PassCatalogueVersion, salt ?? string.Empty);
        return SpecHash.RunIdPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..SpecHash.RunIdHexDigits];
    }

    /// <summary>
    /// SHA-256 (hex) over the model's and the data's content hashes: local paths are read from disk (with the
    /// model's external-data files), blobs through <paramref name="store"/> (the <c>models</c> container).
    /// Throws <see cref="FileNotFoundException"/> or the store's not-found exception when an input is missing.
    /// </summary>
    public static async Task<string> ContentHashAsync(OptimizationSpec spec, IArtifactStore? store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = new List<string>
        {
            "model:" + await HashAsync(spec.Model.Path, spec.Model.Blob, store, cancellationToken).ConfigureAwait(false),
        };
        if (spec.Model.Path is { } modelPath)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
            // Weights stored beside the model are part of it: a retrained large model may change only these.
            foreach (var external in new OnnxModelInspector().Inspect(modelPath).ExternalDataFiles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                parts.Add($"external:{external}:" + await HashFileAsync(Path.Combine(folder, external), cancellationToken).ConfigureAwait(false));
            }
        }

        parts.Add("data:" + await HashAsync(spec.Dataset.Path, spec.Dataset.Blob, store, cancellationToken).ConfigureAwait(false));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))));
    }

    /// <summary>The run id of <paramref name="spec"/> with its inputs' content (see <see cref="ContentHashAsync"/>).</summary>
    public static async Task<string> RunIdOfAsync(OptimizationSpec spec, IArtifactStore? store, string? salt = null, CancellationToken cancellationToken = default) =>
        RunIdOf(spec, await ContentHashAsync(spec, store, cancellationToken).ConfigureAwait(false), salt);

    private static async Task<string> HashAsync(string? path, string? blob, IArtifactStore? store, CancellationToken cancellationToken)
    {
        if (path is not null)
        {
            return await HashFileAsync(Path.GetFullPath(path), cancellationToken).ConfigureAwait(false);
        }

        if (blob is null || store is null)
        {
            throw new InvalidOperationException("An input given as a blob needs the artifact store to hash its content.");
        }

        var stream = await store.OpenReadAsync(ArtifactLayout.Model(blob), cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }
}
