namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>Spec documents shared by the contract tests.</summary>
internal static class SpecSamples
{
    /// <summary>Every property set, each to a non-default value.</summary>
    public const string Full = """
        {
          "schemaVersion": "1.0",
          "model": { "blob": "penguins/model.onnx" },
          "dataset": {
            "blob": "penguins/eval.csv",
            "task": "classification",
            "input": "features",
            "labelColumn": "species",
            "featureColumns": ["bill_length_mm", "bill_depth_mm"],
            "missingValues": "dropRows",
            "classNames": ["Adelie", "Chinstrap", "Gentoo"],
            "scoreOutput": "probabilities",
            "scoreKind": "logits"
          },
          "objective": { "metric": "latencyP95", "direction": "minimize", "batchSize": 8 },
          "constraints": {
            "quality": [
              { "metric": "accuracy", "maxDrop": 0.01, "mode": "absolute" },
              { "metric": "auc", "maxDrop": 0.02, "mode": "relative" }
            ],
            "maxSizeBytes": 1000000
          },
          "search": {
            "scheduler": "successiveHalving",
            "maxResource": 81,
            "minResource": 3,
            "eta": 4,
            "maxTrials": 50,
            "maxTotalResource": 1200.5,
            "maxWallTimeSeconds": 3600,
            "target": 0.25
          },
          "passes": ["fp16", "quantize-dynamic", "prune-magnitude"],
          "providers": { "allowed": ["tensorrt", "cuda", "cpu"], "allowCpuFallback": false },
          "seed": 42
        }
        """;

    /// <summary>Only what is required; everything else takes its default.</summary>
    public const string Minimal = """
        {"schemaVersion":"1.0","model":{"blob":"m.onnx"},"dataset":{"blob":"d.csv","input":"x","labelColumn":"y"}}
        """;
}
