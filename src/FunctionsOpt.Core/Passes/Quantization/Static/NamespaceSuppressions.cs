using System.Diagnostics.CodeAnalysis;

// "Static" names static (calibrated) quantization, as opposed to dynamic; the folder layout fixes the namespace.
[assembly: SuppressMessage(
    "Naming",
    "CA1716:Identifiers should not match keywords",
    Justification = "Static quantization is the domain term; C# and VB callers can still use the namespace.",
    Scope = "namespace",
    Target = "~N:FunctionsOpt.Core.Passes.Quantization.Static")]
