using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using FunctionsOpt.Core.Data;
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

    private string FolderOf(string runId) =>
        Path.Combine(_options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "functionsopt"), runId);

    private async Task<PreparedRun> PrepareAsync(string runId, OptimizationSpec spec, CancellationToken cancellationToken)
    {
        var work = FolderOf(runId);
        Directory.CreateDirectory(work);
        var modelPath = await ResolveAsync(spec.Model.Path, spec.Model.Blob, Path.Combine(work, "inputs", "model.onnx"), cancellationToken).ConfigureAwait(false);
        var dataName = spec.Dataset.Blob is { } blob ? Path.GetFileName(blob) : "data" + Path.GetExtension(spec.Dataset.Path ?? ".csv");
        var dataPath = await ResolveAsync(spec.Dataset.Path, spec.Dataset.Blob, Path.Combine(work, "inputs", dataName), cancellationToken).ConfigureAwait(false);

        var inspector = new OnnxModelInspector();
        var model = inspector.Load(modelPath, out _);
        var modelBytes = await File.ReadAllBytesAsync(modelPath, cancellationToken).ConfigureAwait(false);
        var loadOptions = SpecMapper.DatasetOptions(spec);
        var inputs = OptimizationData.InputsOf(model);
        loadOptions.ModelInputs = inputs;
        var raw = DatasetLoader.Load(dataPath, loadOptions);
        var conformed = DatasetModelValidator.Conform(raw, inputs);
        var settings = SpecMapper.TrialSettings(spec, _options, Path.Combine(work, "scratch"));
        var evaluation = _baseline.AttachReferenceOutputs(modelPath, conformed, settings, cancellationToken);
        // Calibration reads inputs only (never labels), so it may draw from the evaluation rows; the fingerprint
        // names their content so candidate hashes change when the data does.
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(dataPath, cancellationToken).ConfigureAwait(false)))[..16]
            + "-" + spec.Seed.ToString(CultureInfo.InvariantCulture);
        var data = new OptimizationData(modelPath, model, modelBytes, evaluation, conformed, fingerprint);
        var space = PassSearchSpace.Create(new DefaultPassCatalogue(), model, SpecMapper.Limits(spec));
        return new PreparedRun(data, space, settings, work);
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
