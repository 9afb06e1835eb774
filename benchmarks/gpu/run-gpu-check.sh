#!/usr/bin/env bash
# GPU check: profiles the penguins sample and ResNet18 on CUDA (and TensorRT) vs CPU with the GPU build of fopt, runs a
# short `fopt optimize` on penguins, and writes benchmarks/gpu/results.md. See benchmarks/gpu/README.md.
#
# Usage: benchmarks/gpu/run-gpu-check.sh [--skip-gpu-check] [--flavor gpu|cpu] [--quick] [--out FILE] [--resnet PATH]
#   --skip-gpu-check  run without nvidia-smi (CUDA/TensorRT requests then fall back to CPU, as recorded in the table);
#                     for checking the script and its parsing on a machine without a GPU
#   --flavor          ONNX Runtime package to build fopt with (default gpu: Microsoft.ML.OnnxRuntime.Gpu)
#   --quick           fewer runs and batch sizes 1,8 (seconds instead of minutes)
#   --out FILE        results file (default benchmarks/gpu/results.md)
#   --resnet PATH     ResNet18.onnx (default: from the NuGet cache after restoring the benchmarks project)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
skip_gpu_check=false
flavor=gpu
quick=false
results="$root/benchmarks/gpu/results.md"
resnet=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --skip-gpu-check) skip_gpu_check=true ;;
    --flavor) flavor="${2:?--flavor needs gpu or cpu}"; shift ;;
    --quick) quick=true ;;
    --out) results="${2:?--out needs a file}"; shift ;;
    --resnet) resnet="${2:?--resnet needs a path}"; shift ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
case "$flavor" in gpu|cpu) ;; *) echo "--flavor must be gpu or cpu" >&2; exit 2 ;; esac

work="$root/artifacts/gpu-check"
fopt_dir="$work/fopt-$flavor"
json_dir="$work/json"
mkdir -p "$work" "$json_dir"
rm -f "$json_dir"/*.json
log() { printf '[gpu-check] %s\n' "$*" >&2; }

# 1. The GPU, as the driver reports it.
gpu_facts="no GPU check (--skip-gpu-check)"
if [[ "$skip_gpu_check" == false ]]; then
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "nvidia-smi not found: this script needs a machine with an NVIDIA GPU and driver (or --skip-gpu-check)." >&2
    exit 1
  fi
  gpu_facts="$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader)"
  cuda_line="$(nvidia-smi | grep -o 'CUDA Version: [0-9.]*' | head -n 1 || true)"
  gpu_facts="$gpu_facts; driver supports ${cuda_line:-CUDA version unknown}"
  log "GPU: $gpu_facts"
fi
cuda_libs="$( { ldconfig -p 2>/dev/null || true; } | { grep -Eo 'lib(cublasLt\.so\.13|cudnn\.so\.9|nvinfer\.so\.[0-9]+)' || true; } | sort -u | tr '\n' ' ')"
[[ -n "$cuda_libs" ]] || cuda_libs="none of libcublasLt.so.13, libcudnn.so.9, libnvinfer.so.* in the ldconfig cache"

# 2. fopt with the chosen ONNX Runtime package, in its own artifacts folder (the repository's obj/ is left alone).
log "publishing fopt with -p:OnnxRuntimeFlavor=$flavor"
dotnet publish "$root/src/FunctionsOpt.Cli/FunctionsOpt.Cli.csproj" -c Release -r linux-x64 --self-contained false \
  -p:OnnxRuntimeFlavor="$flavor" --artifacts-path "$work/build-$flavor" -o "$fopt_dir" -v q -nologo >&2
fopt() { dotnet "$fopt_dir/fopt.dll" "$@"; }

# 3. The models.
penguins="$root/samples/penguins/model.onnx"
penguins_data="$root/samples/penguins/eval.csv"
if [[ -z "$resnet" ]]; then
  log "restoring benchmarks/FunctionsOpt.Benchmarks for the ResNet18 package"
  dotnet restore "$root/benchmarks/FunctionsOpt.Benchmarks/FunctionsOpt.Benchmarks.csproj" -v q -nologo >&2
  resnet="${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"
fi
[[ -f "$resnet" ]] || { echo "ResNet18 not found at $resnet (pass --resnet PATH)" >&2; exit 1; }

if [[ "$quick" == true ]]; then
  profile_args=(--batch-sizes 1,8 --warmup 2 --runs 10 --max-seconds 2 --no-memory)
else
  profile_args=(--batch-sizes 1,8,64 --warmup 5 --runs 50 --max-seconds 10 --no-memory)
fi

# 4. Profiles: every provider with --allow-cpu-fallback, so the provider actually used is what gets recorded.
providers=(cpu cuda tensorrt)
for model in penguins resnet18; do
  for provider in "${providers[@]}"; do
    out="$json_dir/$model-$provider.json"
    log "profile $model on $provider"
    if [[ "$model" == penguins ]]; then
      args=("$penguins" --data "$penguins_data")
    else
      args=("$resnet")
    fi
    if ! fopt profile "${args[@]}" --provider "$provider" --allow-cpu-fallback "${profile_args[@]}" --json "$out" >"$work/$model-$provider.log" 2>&1; then
      log "profile $model on $provider failed (see $work/$model-$provider.log)"
      rm -f "$out"
    fi
  done
done

# 5. A short optimization on CUDA; trials that cannot load it fall back to CPU and record why (see state.json).
optimize_note="\`fopt optimize --provider cuda\`: each trial records the provider it actually used in runs/*/state.json."
optimize_out="$work/optimize"
rm -rf "$optimize_out"
log "optimize penguins (budget 3, passes fp16,quantize-dynamic)"
optimize_status="ok"
if ! fopt optimize "$penguins" --data "$penguins_data" --budget 3 --eta 3 --passes fp16,quantize-dynamic --provider cuda \
    --max-accuracy-drop 0.01 --out "$optimize_out" >"$work/optimize.log" 2>&1; then
  optimize_status="failed (see artifacts/gpu-check/optimize.log)"
fi
optimize_report="$(find "$optimize_out" -name report.json -path '*/runs/*' 2>/dev/null | head -n 1 || true)"

# 6. Parse: one tab-separated line per profile JSON (jq when present, else python3).
#    model, requested, used, p50 batch 1, largest batch, p50 largest batch, throughput largest batch, session ms, fallback
extract() {
  local file="$1" model="$2"
  if command -v jq >/dev/null 2>&1; then
    jq -r --arg model "$model" '
      .performance as $p
      | ($p.batches | min_by(.batchSize)) as $lo
      | ($p.batches | max_by(.batchSize)) as $hi
      | [$model, $p.provider.requested, $p.provider.used, $lo.p50Ms, $hi.batchSize, $hi.p50Ms,
         $hi.throughputPerSecond, $p.sessionCreationMs, ($p.provider.fallbackReason // "")]
      | map(tostring) | join("\t")' "$file"
  else
    python3 - "$file" "$model" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["performance"]
b = sorted(p["batches"], key=lambda x: x["batchSize"])
lo, hi = b[0], b[-1]
row = [sys.argv[2], p["provider"]["requested"], p["provider"]["used"], lo["p50Ms"], hi["batchSize"], hi["p50Ms"],
       hi["throughputPerSecond"], p["sessionCreationMs"], p["provider"].get("fallbackReason") or ""]
print("\t".join(str(v) for v in row))
PY
  fi
}

rows="$work/rows.tsv"
: >"$rows"
for model in penguins resnet18; do
  for provider in "${providers[@]}"; do
    f="$json_dir/$model-$provider.json"
    if [[ -f "$f" ]]; then extract "$f" "$model" >>"$rows"; fi
  done
done

optimize_line="-"
if [[ -n "$optimize_report" ]]; then
  if command -v jq >/dev/null 2>&1; then
    optimize_line="$(jq -r '"run \(.runId), status \(.status), best trial \(.headline.bestTrialId // "-"), passes \((.headline.passes // []) | join(" + ")), baseline provider \(.baseline.provider.requested)/\(.baseline.provider.used)"' "$optimize_report")"
  else
    optimize_line="$(python3 - "$optimize_report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
h = r.get("headline") or {}
p = (r.get("baseline") or {}).get("provider") or {}
print(f"run {r.get('runId')}, status {r.get('status')}, best trial {h.get('bestTrialId') or '-'}, passes {' + '.join(h.get('passes') or [])}, baseline provider {p.get('requested')}/{p.get('used')}")
PY
)"
  fi
fi

# 7. The markdown. Speedup = the CPU row's p50 / this row's p50 (same model, same batch size).
command_line="benchmarks/gpu/run-gpu-check.sh"
if [[ "$skip_gpu_check" == true ]]; then command_line+=" --skip-gpu-check"; fi
if [[ "$flavor" != gpu ]]; then command_line+=" --flavor $flavor"; fi
if [[ "$quick" == true ]]; then command_line+=" --quick"; fi
{
  echo "# GPU check results"
  echo
  echo "Written by \`$command_line\` on $(date -u +%Y-%m-%dT%H:%M:%SZ) (host $(hostname))."
  echo
  echo "- GPU (nvidia-smi): $gpu_facts"
  echo "- CUDA libraries seen by the loader: $cuda_libs"
  echo "- fopt built with \`-p:OnnxRuntimeFlavor=$flavor\`; profile options: \`${profile_args[*]}\`"
  echo "- Every non-CPU request used \`--allow-cpu-fallback\`: the *used* column is the provider that actually ran."
  echo
  echo "| model | provider requested / used | p50 batch 1 (ms) | p50 largest batch (ms) | throughput at largest batch (/s) | session creation (ms) | speedup vs CPU (batch 1 / largest) |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' '
    { model[NR]=$1; req[NR]=$2; used[NR]=$3; lo[NR]=$4; hb[NR]=$5; hi[NR]=$6; tp[NR]=$7; sess[NR]=$8
      if ($2 == "cpu") { cpulo[$1]=$4; cpuhi[$1]=$6 } }
    END {
      for (i = 1; i <= NR; i++) {
        speed = "-"
        if ((model[i] in cpulo) && lo[i] > 0 && hi[i] > 0)
          speed = sprintf("%.2fx / %.2fx", cpulo[model[i]] / lo[i], cpuhi[model[i]] / hi[i])
        printf "| %s | %s / %s | %.3f | %.3f (batch %d) | %.1f | %.1f | %s |\n", model[i], req[i], used[i], lo[i], hi[i], hb[i], tp[i], sess[i], speed
      }
    }' "$rows"
  echo
  fallbacks="$(awk -F'\t' '$9 != "" { printf "- %s, %s: %s\n", $1, $2, $9 }' "$rows")"
  if [[ -n "$fallbacks" ]]; then
    echo "Fallbacks recorded by the session factory:"
    echo
    echo "$fallbacks"
    echo
  fi
  missing=""
  for model in penguins resnet18; do
    for provider in "${providers[@]}"; do
      [[ -f "$json_dir/$model-$provider.json" ]] || missing+=" $model/$provider"
    done
  done
  [[ -z "$missing" ]] || { echo "Profiles that failed (no row above):$missing (logs under artifacts/gpu-check/)."; echo; }
  echo "## Short optimization (penguins)"
  echo
  echo "\`fopt optimize samples/penguins/model.onnx --data samples/penguins/eval.csv --budget 3 --eta 3 --passes fp16,quantize-dynamic --max-accuracy-drop 0.01\`: $optimize_status."
  echo
  echo "- $optimize_line"
  echo "- $optimize_note"
} >"$results"
log "wrote $results"
