using System.Security.Cryptography;
using System.Text;
using FunctionsOpt.Core.Errors;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Passes.Graph;
using FunctionsOpt.Core.Search.Space;
using Google.Protobuf;
using Onnx;

namespace FunctionsOpt.Core.Passes.Pipeline;

/// <summary>One configured pass of a pipeline.</summary>
/// <param name="Pass">The pass.</param>
/// <param name="Parameters">Its parameter values (missing ones take the declared defaults).</param>
public sealed record PassStep(IModelPass Pass, PassParameters Parameters);

/// <summary>The pipeline's output.</summary>
/// <param name="Model">The final model.</param>
/// <param name="Hash">Content hash of the inputs (lower-case hex SHA-256); see <see cref="PassPipeline.ComputeHash"/>.</param>
/// <param name="Records">One record per effective step (canonicalisation included), in order.</param>
public sealed record PipelineResult(ModelProto Model, string Hash, IReadOnlyList<PassRecord> Records);

/// <summary>
/// Applies an ordered list of configured passes and names the result by a content hash of everything that
/// determines it: the input model bytes, each pass name with every declared parameter's resolved value (defaults
/// included, so a changed default changes the key), and the calibration sample ids. Passes are deterministic, so the
/// same inputs give the same hash and a byte-identical model. Before the first lossy step (any kind but graph
/// preparation and runtime) the pipeline inserts <see cref="CanonicalisePass"/>, with the highest minimum opset the
/// steps declare in <see cref="IModelPass.Needs"/>, so every lossy pass sees weights as initializers; its record is
/// the first of the lossy part, and the hash covers it. The final model is loaded once in ONNX Runtime
/// (basic optimization, CPU) so a pipeline never returns a graph ORT rejects. Thread-safe if its passes are.
/// </summary>
public sealed class PassPipeline
{
    private const string HashVersion = "functionsopt-pipeline/v2";

    /// <summary>Creates the pipeline.</summary>
    public PassPipeline(IReadOnlyList<PassStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0)
        {
            throw new ArgumentException("A pipeline needs at least one step.", nameof(steps));
        }

        Steps = steps;
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<PassStep> Steps { get; }

    /// <summary>Everything the steps need together (see <see cref="IModelPass.Needs"/>).</summary>
    /// <exception cref="InvalidPassConfigurationException">A step's parameter value is invalid.</exception>
    public static PassNeeds NeedsOf(IEnumerable<PassStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return steps.Aggregate(PassNeeds.None, (needs, step) => needs.Union(step.Pass.Needs(step.Parameters)));
    }

    /// <summary>
    /// The steps that actually run: <see cref="Steps"/> with <see cref="CanonicalisePass"/> before the first lossy
    /// one (none when every step is graph preparation or runtime settings).
    /// </summary>
    /// <exception cref="InvalidPassConfigurationException">A step's parameter value is invalid.</exception>
    public IReadOnlyList<PassStep> EffectiveSteps()
    {
        var first = Steps.ToList().FindIndex(s => s.Pass.Kind is not (PassKind.GraphPreparation or PassKind.Runtime));
        if (first < 0)
        {
            return Steps;
        }

        var target = NeedsOf(Steps).MinimumOpset;
        var canonicalise = new PassStep(
            new CanonicalisePass(),
            new PassParameters(new Dictionary<string, ParameterValue>(StringComparer.Ordinal) { [CanonicalisePass.TargetParameter] = ParameterValue.Of(target) }));
        return [.. Steps.Take(first), canonicalise, .. Steps.Skip(first)];
    }

    /// <summary>The content hash for <paramref name="modelBytes"/> through these steps with these calibration samples.</summary>
    /// <exception cref="InvalidPassConfigurationException">A step names a parameter its pass does not declare.</exception>
    public string ComputeHash(ReadOnlySpan<byte> modelBytes, IReadOnlyList<string>? calibrationSampleIds = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, HashVersion);
        hash.AppendData(SHA256.HashData(modelBytes));
        var steps = EffectiveSteps();
        Append(hash, steps.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var step in steps)
        {
            step.Parameters.EnsureKnown(step.Pass);
            Append(hash, step.Pass.Name);
            var resolved = PassSupport.ResolvedParameters(step.Pass, step.Parameters);
            Append(hash, string.Join(";", resolved.Select(kv => kv.Key + "=" + kv.Value)));
        }

        var ids = calibrationSampleIds ?? [];
        Append(hash, ids.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var id in ids)
        {
            Append(hash, id);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Runs every step in order and checks that ONNX Runtime loads the result.</summary>
    /// <exception cref="PassNotApplicableException">A step cannot apply to the model it receives.</exception>
    /// <exception cref="InvalidPassConfigurationException">A step's parameters are invalid.</exception>
    /// <exception cref="InvalidModelException">ONNX Runtime rejects the final model.</exception>
    public PipelineResult Run(ModelProto model, PassContext context, IReadOnlyList<string>? calibrationSampleIds = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var hash = ComputeHash(model.ToByteArray(), calibrationSampleIds);
        var current = model;
        var steps = EffectiveSteps();
        var records = new List<PassRecord>(steps.Count);
        // A pass needing the reference measures the error against the model as it was before the first lossy step
        // (after graph preparation and canonicalisation, so layer names and shapes still match), unless the caller
        // supplied a reference.
        ModelProto? reference = context.ReferenceModel;
        foreach (var step in steps)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (reference is null && step.Pass.Kind is not (PassKind.GraphPreparation or PassKind.Runtime or PassKind.Compensation))
            {
                reference = current;
            }

            var stepContext = step.Pass.Needs(step.Parameters).ReferenceModel && context.ReferenceModel is null && reference is not null
                ? context.WithReferenceModel(reference)
                : context;
            var output = step.Pass.Apply(current, step.Parameters, stepContext);
            records.Add(output.Record);
            current = output.Model;
        }

        var bytes = current.ToByteArray();
        using (context.Sessions.Create(bytes, $"pipeline-{hash[..12]}", new SessionSettings { OptimizationLevel = GraphOptimization.Basic, IntraOpThreads = 1 }))
        {
        }

        return new PipelineResult(current, hash, records);
    }

    private static void Append(IncrementalHash hash, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
