using System.Diagnostics.CodeAnalysis;

// Tests mirror the source namespace FunctionsOpt.Core.Passes.Quantization.Static.
[assembly: SuppressMessage(
    "Naming",
    "CA1716:Identifiers should not match keywords",
    Justification = "Mirrors the source namespace; static quantization is the domain term.",
    Scope = "namespace",
    Target = "~N:FunctionsOpt.Core.Tests.Passes.Quantization.Static")]
