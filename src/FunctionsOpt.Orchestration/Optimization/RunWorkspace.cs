using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Onnx;
using FunctionsOpt.Core.Optimization;
using FunctionsOpt.Core.Passes.Pipeline;
using FunctionsOpt.Core.Search.Space;
using FunctionsOpt.Orchestration.Artifacts;
using FunctionsOpt.Orchestration.Contracts;
using Microsoft.Extensions.Options;

namespace FunctionsOpt.Orchestration.Optimization;

/// <summary>What every activity of one run works from, prepared once per process.</summary>
/// <param name="Data">Model, evaluation rows with baseline outputs, calibration rows.</param>
/// <param name="Space">The search space derived from the model and the spec's allowed passes.</param>
/// <param name="Settings">How trials evaluate and time candidates.</param>
/// <param name="WorkDirectory">The run's scratch folder.</param>
public sealed record PreparedRun(OptimizationData Data, PassSearchSpace Space, TrialSettings Settings, string WorkDirectory);

/// <summary>
/// Prepares a run's inputs in this process and keeps them for its later activities: fetches the model and data
/// (a local path, or a blob of <c>models/</c> downloaded into the scratch folder), loads and conforms the data to
/// the model's inputs, attaches the baseline model's outputs for fidelity, and derives the search space. The
/// preparation is deterministic, so a process that restarts mid-run rebuilds exactly the same inputs. Thread-safe.
/// </summary>
public sealed class RunWorkspace
{
    /// <summary>Most files one manifest may name; each is a separate download.</summary>
    public const int MaxManifestFiles = 64;

    private readonly IArtifactStore _store;
    private readonly BaselineProfiler _baseline;
    private readonly OptimizationOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task<PreparedRun>>> _runs = new(StringComparer.Ordinal);

    /// <summary>Creates the workspace.</summary>
    public RunWorkspace(IArtifactStore store, BaselineProfiler baseline, IOptions<OptimizationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _baseline = baseline;
        _options = options.Value;
    }

    /// <summary>The options runs use.</summary>
    public OptimizationOptions Options => _options;

    /// <summary>The prepared inputs of <paramref name="runId"/>, preparing them on first use (a failed preparation is retried on the next call).</summary>
    /// <exception cref="Core.Errors.FunctionsOptException">The model, the data or their fit is invalid.</exception>
    public async Task<PreparedRun> GetAsync(string runId, OptimizationSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var lazy = _runs.GetOrAdd(runId, id => new Lazy<Task<PreparedRun>>(() => PrepareAsync(id, spec, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _runs.TryRemove(KeyValuePair.Create(runId, lazy));
            throw;
        }
    }

    /// <summary>Forgets a run's prepared inputs and deletes its scratch folder (best effort).</summary>
    public void Release(string runId)
    {
        _runs.TryRemove(runId, out _);
        var folder = FolderOf(runId);
        if (Directory.Exists(folder))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A scratch folder still in use is left for the next run of this id to reuse.
            }
        }
    }

    /// <summary>
    /// <paramref name="message"/> without this process's folders (the run's scratch folder, the temp folder): error
    /// messages reach clients, and server paths are none of theirs.
    /// </summary>
    public string Scrub(string runId, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var folder in new[] { Path.Combine(FolderOf(runId), "inputs", "data"), Path.Combine(FolderOf(runId), "inputs", "model"), FolderOf(runId), Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar) })
        {
            message = message.Replace(folder + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal).Replace(folder, "(work folder)", StringComparison.Ordinal);
        }

        return message;
    }

    private string FolderOf(string runId) =>
        Path.Combine(_options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "functionsopt"), runId);

    private async Task<PreparedRun> PrepareAsync(string runId, OptimizationSpec spec, CancellationToken cancellationToken)
    {
        var work = FolderOf(runId);
        Directory.CreateDirectory(work);
        var modelPath = await ResolveAsync(spec.Model.Path, spec.Model.Blob, Path.Combine(work, "inputs", "model", "model.onnx"), cancellationToken).ConfigureAwait(false);
        if (spec.Model.Blob is { } modelBlob)
        {
            await FetchModelExternalDataAsync(modelBlob, modelPath, cancellationToken).ConfigureAwait(false);
        }

        // The loader picks the reader by extension, so a downloaded blob is named by its (given or inferred) format.
        var extension = SpecValidator.ExtensionOf(spec.Dataset.Format, spec.Dataset.Blob ?? spec.Dataset.Path) ?? ".csv";
        var dataPath = await ResolveAsync(spec.Dataset.Path, spec.Dataset.Blob, Path.Combine(work, "inputs", "data", "data" + extension), cancellationToken).ConfigureAwait(false);
        if (spec.Dataset.Blob is { } dataBlob && extension == ".json")
        {
            await FetchManifestFilesAsync(dataBlob, dataPath, cancellationToken).ConfigureAwait(false);
        }

        if (spec.Dataset.Blob is { } npyBlob && extension == ".npy")
        {
            // An .npy's labels are an optional sibling blob, eval.npy -> eval.labels.npy.
            var labelsBlob = DatasetLoader.NpyLabelsPath(npyBlob).Replace('\\', '/');
            if (ArtifactNames.CheckName(labelsBlob) is null && await _store.ExistsAsync(ArtifactLayout.Model(labelsBlob), cancellationToken).ConfigureAwait(false))
            {
                await DownloadOnceAsync(ArtifactLayout.Model(labelsBlob), DatasetLoader.NpyLabelsPath(dataPath), cancellationToken).ConfigureAwait(false);
            }
        }

        var inspector = new OnnxModelInspector();
        var model = inspector.Load(modelPath, out _);
        var modelBytes = await File.ReadAllBytesAsync(modelPath, cancellationToken).ConfigureAwait(false);
        var loadOptions = SpecMapper.DatasetOptions(spec);
        var inputs = OptimizationData.InputsOf(model);
        loadOptions.ModelInputs = inputs;
        var raw = DatasetLoader.Load(dataPath, loadOptions);
        if (raw.Labels is null && spec.Dataset.Task != EvaluationTask.Fidelity)
        {
            // Caught here, before any model runs, as a data problem rather than an evaluation request problem.
            throw new InvalidEvaluationDataException(
                $"'{Path.GetFileName(spec.Dataset.Blob ?? dataPath)}' has no labels, which a {spec.Dataset.Task.ToString().ToLowerInvariant()} task needs; add them ('labels' entry in an .npz, NAME.labels.npy beside an .npy, \"labels\" in a manifest) or set dataset.task to fidelity with a fidelity constraint.");
        }

        var conformed = DatasetModelValidator.Conform(raw, inputs);
        var settings = SpecMapper.TrialSettings(spec, _options, Path.Combine(work, "scratch"));
        var evaluation = _baseline.AttachReferenceOutputs(modelPath, conformed, settings, cancellationToken);
        // Calibration reads inputs only (never labels), so it may draw from the evaluation rows; the fingerprint
        // names their content so candidate hashes change when the data does.
        var fingerprint = await DataFingerprintAsync(dataPath, cancellationToken).ConfigureAwait(false)
            + "-" + spec.Seed.ToString(CultureInfo.InvariantCulture);
        var data = new OptimizationData(modelPath, model, modelBytes, evaluation, conformed, fingerprint);
        var space = PassSearchSpace.Create(new DefaultPassCatalogue(), model, SpecMapper.Limits(spec));
        return new PreparedRun(data, space, settings, work);
    }

    /// <summary>
    /// Downloads the external-data files a model blob names from beside it (same folder in <c>models/</c>) to beside
    /// the local copy. Names pass the store's blob-name rules (no '..', no absolute or hidden segments, safe
    /// characters), so nothing lands outside the run's folder; the inspector then applies its usual checks (size
    /// limit, byte ranges) when the model loads.
    /// </summary>
    private async Task FetchModelExternalDataAsync(string modelBlob, string localModel, CancellationToken cancellationToken)
    {
        var inspector = new OnnxModelInspector();
        var model = inspector.Parse(await File.ReadAllBytesAsync(localModel, cancellationToken).ConfigureAwait(false), Path.GetFileName(modelBlob));
        foreach (var location in OnnxModelInspector.ExternalDataLocations(model))
        {
            var path = Sibling(modelBlob, location, name => new InvalidModelException(
                InvalidModelReason.UnsafeExternalData,
                $"The model names external data '{location}', which is not a safe file name beside the model blob ({name}); re-save the model with its external data in a plain file next to it."));
            await DownloadOnceAsync(path, Path.Combine(Path.GetDirectoryName(localModel)!, location), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Downloads the files a manifest blob names (relative to its folder in <c>models/</c>) to the same places beside
    /// the local manifest, at most <see cref="MaxManifestFiles"/>; the loader then reads them with its usual limits.
    /// </summary>
    private async Task FetchManifestFilesAsync(string manifestBlob, string localManifest, CancellationToken cancellationToken)
    {
        var manifest = DatasetManifest.ReadFile(localManifest);
        var files = manifest.ReferencedFiles();
        if (files.Count > MaxManifestFiles)
        {
            throw new InvalidEvaluationDataException(
                $"Manifest '{Path.GetFileName(manifestBlob)}' names {files.Count} files, over the limit of {MaxManifestFiles}; pack the arrays into one .npz and reference its entries.");
        }

        foreach (var file in files)
        {
            var path = Sibling(manifestBlob, file, problem => new InvalidEvaluationDataException(
                $"Manifest '{Path.GetFileName(manifestBlob)}' names file '{file}', which is not a safe name beside the manifest blob ({problem}); use a relative name without '..' in the manifest's folder."));
            await DownloadOnceAsync(path, Path.Combine(Path.GetDirectoryName(localManifest)!, file), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A hash of the data's content: the file itself, plus, for a manifest, every file it names in order, so that
    /// changing an array behind an unchanged manifest changes candidate hashes too.
    /// </summary>
    private static async Task<string> DataFingerprintAsync(string dataPath, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(await File.ReadAllBytesAsync(dataPath, cancellationToken).ConfigureAwait(false));
        if (dataPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var folder = Path.GetDirectoryName(dataPath)!;
            foreach (var file in DatasetManifest.ReadFile(dataPath).ReferencedFiles())
            {
                var local = Path.Combine(folder, file);
                if (File.Exists(local))
                {
                    hash.AppendData(await File.ReadAllBytesAsync(local, cancellationToken).ConfigureAwait(false));
                }
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static ArtifactPath Sibling(string blob, string relative, Func<string, Core.Errors.FunctionsOptException> refuse)
    {
        var folder = blob.Contains('/', StringComparison.Ordinal) ? blob[..(blob.LastIndexOf('/') + 1)] : string.Empty;
        var problem = relative.Contains('\\', StringComparison.Ordinal) ? "it contains a backslash" : ArtifactNames.CheckName(folder + relative);
        return problem is null ? ArtifactLayout.Model(folder + relative) : throw refuse(problem);
    }

    private async Task DownloadOnceAsync(ArtifactPath path, string target, CancellationToken cancellationToken)
    {
        if (!File.Exists(target))
        {
            await _store.DownloadToFileAsync(path, target, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> ResolveAsync(string? path, string? blob, string target, CancellationToken cancellationToken)
    {
        if (path is not null)
        {
            return Path.GetFullPath(path);
        }

        if (!File.Exists(target))
        {
            await _store.DownloadToFileAsync(ArtifactLayout.Model(blob!), target, cancellationToken).ConfigureAwait(false);
        }

        return target;
    }
}
