namespace FunctionsOpt.Core.Passes;

/// <summary>
/// The passes a search may compose. The search derives its space from the passes whose
/// <see cref="IModelPass.CheckApplicability"/> says yes for the model each would receive (a lossy pass: the model after
/// canonicalisation), with parameters narrowed by <see cref="IModelPass.ParametersFor"/>, so it never proposes a pass
/// that cannot apply.
/// </summary>
public interface IPassCatalogue
{
    /// <summary>Every registered pass, in the order a pipeline applies them when several are chosen.</summary>
    IReadOnlyList<IModelPass> Passes { get; }
}
