#!/usr/bin/python3
"""Summarises a tools/corpus/run-fopt.sh output folder as markdown (stdout): per model and step the exit code and
the first lines of any error; for each finished optimize run the best trial, its metrics, trial statuses grouped by
pass and error, and the quantized-operator coverage of the best model (from its ONNX graph). Dev-time only."""
import collections
import csv
import glob
import json
import os
import sys

import onnx

QUANT_OPS = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger",
             "DynamicQuantizeLinear", "DynamicQuantizeMatMul", "QGemm", "QLinearAdd", "QLinearMul"}
WEIGHT_OPS = {"Conv", "MatMul", "Gemm", "GRU", "LSTM", "RNN"}


def read_step(path):
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    cmd = lines[0][2:]
    rc = int(lines[1].split(":")[1])
    secs = float(lines[2].split(":")[1])
    body = lines[4:]
    return cmd, rc, secs, body


def int8_coverage(model_path):
    m = onnx.load(model_path, load_external_data=False)
    ops = collections.Counter(n.op_type for n in m.graph.node)
    quant = {k: v for k, v in ops.items() if k in QUANT_OPS}
    float_weight_ops = {k: v for k, v in ops.items() if k in WEIGHT_OPS}
    # In QDQ form a Conv/MatMul whose weight comes from a DequantizeLinear is an int8 layer.
    produced_by = {o: n for n in m.graph.node for o in n.output}
    qdq_layers = 0
    for n in m.graph.node:
        if n.op_type in WEIGHT_OPS and len(n.input) > 1:
            p = produced_by.get(n.input[1])
            if p is not None and p.op_type == "DequantizeLinear":
                qdq_layers += 1
    init_types = collections.Counter(onnx.TensorProto.DataType.Name(i.data_type) for i in m.graph.initializer)
    return ops, quant, float_weight_ops, qdq_layers, init_types


def main(out):
    print(f"# fopt on the corpus ({out})\n")
    for model_dir in sorted(d for d in glob.glob(os.path.join(out, "*")) if os.path.isdir(d)):
        name = os.path.basename(model_dir)
        print(f"## {name}\n")
        for step in ["inspect", "profile-npz", "profile-npz-no-memory", "optimize-npz", "optimize-manifest"] + sorted(
                os.path.basename(p)[:-4] for p in glob.glob(os.path.join(model_dir, "inspect-best-*.txt"))):
            p = os.path.join(model_dir, step + ".txt")
            if not os.path.exists(p):
                continue
            cmd, rc, secs, body = read_step(p)
            print(f"- **{step}**: exit {rc} in {secs:.0f} s: `{cmd}`")
            if rc != 0:
                shown = [l for l in body if l.strip()][:8]
                print("  ```text")
                for l in shown:
                    print("  " + l)
                print("  ```")
        prof = os.path.join(model_dir, "profile.json")
        if os.path.exists(prof):
            try:
                pj = json.load(open(prof))
                acc = pj["evaluation"]["classification"]["accuracy"]
                perf = pj["performance"]
                lat = ", ".join(f"b{x['batchSize']} p50 {x['p50Ms']:.3f} ms" for x in perf.get("batches", []))
                skipped = perf.get("skipped") or []
                mem = (perf.get("memory") or {}).get("peakBytes")
                print(f"- profile (ONNX Runtime {perf.get('ortVersion')}): accuracy {acc:.4f}; {lat}"
                      f"{'; skipped ' + json.dumps(skipped) if skipped else ''}; peak RSS bytes {mem}")
            except Exception as ex:  # keep the summary going
                print(f"- profile.json unreadable: {ex}")
        for run in sorted(glob.glob(os.path.join(model_dir, "opt*", "runs", "*"))):
            kind = run.split(os.sep)[-3]
            rep = os.path.join(run, "report.json")
            print(f"\n### {kind}: {os.path.basename(run)}\n")
            if not os.path.exists(rep):
                print("no report.json\n")
                continue
            r = json.load(open(rep))
            b, base = r.get("best") or {}, (r.get("baseline") or {}).get("metrics", {})
            bm = b.get("metrics", {})
            print(f"- status {r.get('status')}; best `{b.get('trialId')}` passes {b.get('passes')}; "
                  f"parameters `{json.dumps(b.get('parameters'))}`")
            for k in ["accuracy", "latency.p50.ms@1", "size.bytes"]:
                print(f"- {k}: baseline {base.get(k)} -> best {bm.get(k)}")
            tp = os.path.join(run, "trials.csv")
            if os.path.exists(tp):
                rows = list(csv.DictReader(open(tp)))
                print(f"- trials: {len(rows)}; by status: {dict(collections.Counter(x['status'] for x in rows))}")
                groups = collections.Counter((x["status"], x["passes"] or "(none)", x["errorCode"], x["error"][:200])
                                             for x in rows if x["status"] != "ok")
                for (st, ps, code, err), n in groups.most_common():
                    print(f"  - {n} x {st} `{ps}` {code}: {err}")
                ok = [x for x in rows if x["status"] == "ok" and x.get("accuracy")]
                for ps in sorted({x["passes"] for x in ok}):
                    accs = [float(x["accuracy"]) for x in ok if x["passes"] == ps]
                    print(f"  - ok `{ps or '(none)'}`: {len(accs)} trials, accuracy {min(accs):.4f}..{max(accs):.4f}")
            best = os.path.join(run, "best", "model.onnx")
            if os.path.exists(best):
                ops, quant, fw, qdq, inits = int8_coverage(best)
                print(f"- best model: quantized ops {quant or 'none'}; float weight ops {fw}; "
                      f"QDQ-weighted layers {qdq}; initializer types {dict(inits)}")
            # int8 coverage of every candidate that built (the best one may be the original)
            cov = []
            for cand in sorted(glob.glob(os.path.join(run, "candidates", "*.onnx"))):
                ops, quant, fw, qdq, inits = int8_coverage(cand)
                if quant:
                    cov.append((os.path.basename(cand)[:12], sum(quant.values()), qdq,
                                sum(v for k, v in fw.items()), dict(quant)))
            if cov:
                print(f"- candidates with quantized ops: {len(cov)}")
                for c in cov[:6]:
                    print(f"  - {c[0]}: {c[1]} quantized ops, {c[2]} QDQ-weighted layers of {c[3]} weight ops {c[4]}")
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/corpus-run")
