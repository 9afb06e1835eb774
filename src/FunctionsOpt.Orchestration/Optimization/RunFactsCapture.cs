using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Optimization;

/// <summary>Collects the facts a report needs about the input model and the machine, for the state record.</summary>
internal static partial class RunFactsCapture
{
    /// <summary>The model's name, hash and signature.</summary>
    public static SourceModelInfo SourceModel(OptimizationSpec spec, string modelPath, byte[] modelBytes)
    {
        var inspection = new OnnxModelInspector().Inspect(modelPath);
        return new SourceModelInfo
        {
            Name = ModelName(spec.Model.Path ?? spec.Model.Blob ?? modelPath),
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(modelBytes)),
            SizeBytes = modelBytes.LongLength,
            Inputs = inspection.Inputs.Select(Signature).ToArray(),
            Outputs = inspection.Outputs.Select(Signature).ToArray(),
        };
    }

    /// <summary>
    /// A folder-safe model name: the file name without extension, or the parent folder's name when the file is
    /// called <c>model.onnx</c>; lower case, anything but letters, digits, '_' and '-' replaced by '_'.
    /// </summary>
    public static string ModelName(string pathOrBlob)
    {
        var normalized = pathOrBlob.Replace('\\', '/');
        var stem = Path.GetFileNameWithoutExtension(normalized);
        if (string.Equals(stem, "model", StringComparison.OrdinalIgnoreCase))
        {
            var parent = Path.GetFileName(Path.GetDirectoryName(normalized) ?? string.Empty);
            stem = string.IsNullOrEmpty(parent) ? stem : parent;
        }

        var safe = Unsafe().Replace(stem.ToLowerInvariant(), "_").Trim('_');
        return safe.Length == 0 ? "model" : safe;
    }

    /// <summary>The machine, runtime and session facts.</summary>
    public static RunEnvironment Environment(string? ortVersion, SessionSettings session, ProviderUsage provider) => new()
    {
        Os = RuntimeInformation.OSDescription,
        ProcessorCount = System.Environment.ProcessorCount,
        Cpu = CpuModel(),
        Gpus = Gpus(),
        Runtime = RuntimeInformation.FrameworkDescription,
        MachineName = System.Environment.MachineName,
        OrtVersion = ortVersion ?? InferenceSessionFactory.OrtVersion,
        Session = session,
        Provider = provider,
    };

    private static TensorSignature Signature(TensorInfo info) => new()
    {
        Name = info.Name,
        ElementType = info.ElementType.ToString().ToLowerInvariant(),
        Shape = info.Shape?.Select(d => d.Value ?? -1).ToArray(),
    };

    private static string? CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith("model name", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] Gpus()
    {
        const string root = "/proc/driver/nvidia/gpus";
        try
        {
            return Directory.Exists(root)
                ? Directory.GetDirectories(root).Order(StringComparer.Ordinal)
                    .Select(d => Path.Combine(d, "information"))
                    .Where(File.Exists)
                    .Select(f => File.ReadLines(f).FirstOrDefault(l => l.StartsWith("Model:", StringComparison.Ordinal))?["Model:".Length..].Trim())
                    .OfType<string>()
                    .ToArray()
                : [];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    [GeneratedRegex("[^a-z0-9_-]+", RegexOptions.CultureInvariant)]
    private static partial Regex Unsafe();
}
