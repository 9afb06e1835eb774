using System.IO.Compression;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// Reads NumPy <c>.npz</c> archives (<c>np.savez</c> and <c>np.savez_compressed</c>): every entry must be an
/// <c>.npy</c> array. Size limits from <see cref="DataLimitsOptions"/> apply to bytes actually inflated, so a zip
/// bomb fails early with the entry and the limit named. Thread-safe (stateless).
/// </summary>
public static class NpzReader
{
    /// <summary>Reads every array in the archive at <paramref name="path"/>, keyed by entry name without <c>.npy</c>.</summary>
    public static IReadOnlyDictionary<string, DataArray> ReadFile(string path, DataLimitsOptions? limits = null)
    {
        limits ??= DataLimitsOptions.Default;
        using var stream = DataFiles.OpenRead(path, limits, "NPZ");
        return Read(stream, limits, Path.GetFileName(path));
    }

    /// <summary>Reads every array in the archive, keyed by entry name without <c>.npy</c>, in archive order.</summary>
    /// <param name="stream">The archive bytes; a non-seekable stream is buffered by <see cref="ZipArchive"/>.</param>
    /// <param name="limits">Size limits; defaults when null.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    public static IReadOnlyDictionary<string, DataArray> Read(Stream stream, DataLimitsOptions? limits = null, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        limits ??= DataLimitsOptions.Default;

        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' is not an NPZ (zip) archive ({ex.Message}); save the arrays with np.savez or np.savez_compressed.", innerException: ex);
        }

        using (archive)
        {
            var notArrays = archive.Entries
                .Where(e => !e.FullName.EndsWith('/') && !e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                .Select(e => e.FullName)
                .ToList();
            if (notArrays.Count > 0)
            {
                throw new InvalidEvaluationDataException(
                    $"'{sourceName}' contains entries that are not .npy arrays ({string.Join(", ", notArrays.Select(n => $"'{n}'"))}); pickled or other objects are refused. Save only numeric arrays with np.savez(path, name=array, ...).");
            }

            long total = 0;
            var result = new Dictionary<string, DataArray>(StringComparer.Ordinal);
            foreach (var entry in archive.Entries.Where(e => !e.FullName.EndsWith('/')))
            {
                var name = entry.FullName[..^".npy".Length];
                if (result.ContainsKey(name))
                {
                    throw new InvalidEvaluationDataException(
                        $"'{sourceName}' contains the entry '{entry.FullName}' twice; re-save the archive with np.savez so each name appears once.");
                }

                var entryLabel = $"'{sourceName}' entry '{entry.FullName}'";
                using var counted = new CountingReadStream(
                    OpenEntry(entry, sourceName),
                    limits.MaxEntryBytes,
                    n =>
                    {
                        total += n;
                        if (total > limits.MaxTotalBytes)
                        {
                            throw new InvalidEvaluationDataException(
                                $"{entryLabel} takes the archive past the {DataFiles.Bytes(limits.MaxTotalBytes)} total inflated-size limit (DataLimits:MaxTotalBytes); the archive may be a zip bomb. If the data is genuine, subsample it or raise the limit.");
                        }

                        return total;
                    },
                    (read, limit) => throw new InvalidEvaluationDataException(
                        $"{entryLabel} inflates past the {DataFiles.Bytes(limit)} per-entry limit (DataLimits:MaxEntryBytes); the archive may be a zip bomb. If the data is genuine, subsample it or raise the limit."));
                try
                {
                    // Refusing an oversized declared shape up front avoids allocating for it; the counting stream
                    // still guards every byte actually inflated.
                    var remainingTotal = limits.MaxTotalBytes - total;
                    result[name] = limits.MaxEntryBytes <= remainingTotal
                        ? NpyReader.Read(counted, entryLabel, limits.MaxEntryBytes, "per-entry limit (DataLimits:MaxEntryBytes); the archive may be a zip bomb")
                        : NpyReader.Read(counted, entryLabel, remainingTotal, $"left of the {DataFiles.Bytes(limits.MaxTotalBytes)} total limit (DataLimits:MaxTotalBytes); the archive may be a zip bomb");
                }
                catch (InvalidDataException ex)
                {
                    throw new InvalidEvaluationDataException(
                        $"{entryLabel} is corrupt ({ex.Message}); re-save the archive with np.savez or np.savez_compressed.", innerException: ex);
                }
            }

            if (result.Count == 0)
            {
                throw new InvalidEvaluationDataException($"'{sourceName}' holds no arrays; save at least one with np.savez(path, name=array).");
            }

            return result;
        }
    }

    private static Stream OpenEntry(ZipArchiveEntry entry, string sourceName)
    {
        try
        {
            return entry.Open();
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
        {
            throw new InvalidEvaluationDataException(
                $"'{sourceName}' entry '{entry.FullName}' cannot be opened ({ex.Message}); save the arrays with np.savez or np.savez_compressed (deflate or stored only).", innerException: ex);
        }
    }
}
