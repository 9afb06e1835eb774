using FunctionsOpt.Orchestration.Contracts;
using FunctionsOpt.Orchestration.Durable;

namespace FunctionsOpt.Hosting.Ingestion;

/// <summary>
/// Validates a submitted spec and starts its run: the path every non-HTTP entry point of the portable host shares.
/// Besides <see cref="SpecValidator"/>'s rules, the host refuses local paths (they are for embedded runs; a service
/// reads its inputs from the <c>models</c> container only). Duplicate submissions start nothing new (the run id is
/// the spec's hash). Thread-safe.
/// </summary>
public sealed class SpecIntake
{
    private readonly OptimizationRunClient _runs;
    private readonly SpecValidator _validator;

    /// <summary>Submits through <paramref name="runs"/>, validating with <paramref name="validator"/> (default <see cref="SpecValidator.Default"/>).</summary>
    public SpecIntake(OptimizationRunClient runs, SpecValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        _runs = runs;
        _validator = validator ?? SpecValidator.Default;
    }

    /// <summary>Every problem of <paramref name="json"/> as a service-side spec; empty when it can run.</summary>
    public SpecValidationResult Validate(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var result = _validator.Validate(json);
        if (result.Spec is not { } spec)
        {
            return result;
        }

        var problems = new List<SpecProblem>();
        if (spec.Model.Path is not null)
        {
            problems.Add(new SpecProblem("$.model.path", "is a local path, which the service cannot read", "upload the model to the models container and name it in model.blob"));
        }

        if (spec.Dataset.Path is not null)
        {
            problems.Add(new SpecProblem("$.dataset.path", "is a local path, which the service cannot read", "upload the data to the models container and name it in dataset.blob"));
        }

        return problems.Count == 0 ? result : new SpecValidationResult { Problems = problems };
    }

    /// <summary>Validates <paramref name="json"/> and, when it has no problem, starts (or finds) its run.</summary>
    public async Task<SpecIntakeResult> SubmitAsync(string json, CancellationToken cancellationToken = default)
    {
        var validation = Validate(json);
        if (validation.Spec is not { } spec)
        {
            return new SpecIntakeResult(null, validation.Problems);
        }

        var submitted = await _runs.SubmitAsync(spec, cancellationToken).ConfigureAwait(false);
        return new SpecIntakeResult(submitted, []);
    }
}

/// <summary>The outcome of <see cref="SpecIntake.SubmitAsync"/>: a submission, or the problems that prevented one.</summary>
/// <param name="Submitted">The run, when the spec was valid.</param>
/// <param name="Problems">Every problem, when it was not.</param>
public sealed record SpecIntakeResult(SubmitResult? Submitted, IReadOnlyList<SpecProblem> Problems);
