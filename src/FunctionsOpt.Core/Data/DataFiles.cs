using System.Globalization;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Data;

/// <summary>File checks shared by the readers, so every reader fails the same way on a missing or oversized file.</summary>
internal static class DataFiles
{
    public static FileStream OpenRead(string path, DataLimitsOptions limits, string kind)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidEvaluationDataException(
                $"{kind} file '{Path.GetFileName(path)}' does not exist; check the path (relative paths resolve against the working directory or the manifest's folder).");
        }

        var length = new FileInfo(path).Length;
        if (length > limits.MaxFileBytes)
        {
            throw new InvalidEvaluationDataException(
                $"{kind} file '{Path.GetFileName(path)}' is {Bytes(length)}, over the {Bytes(limits.MaxFileBytes)} limit (DataLimits:MaxFileBytes); subsample the data or raise the limit.");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    public static string Bytes(long count) => count.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
