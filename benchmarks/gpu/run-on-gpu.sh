#!/usr/bin/env bash
# GPU check on a machine with an NVIDIA GPU and NO .NET SDK (run THERE, from the repository root): reassembles the
# parts benchmarks/gpu/pack.sh wrote, checks their sha256, unpacks the self-contained fopt, points the loader at the
# CUDA libraries of the machine's Python `nvidia-*` packages, then profiles penguins and ResNet18 on cpu and cuda at
# batch 1 and 64 (ResNet18 on cuda also with heuristic cuDNN search and with NHWC), runs a short
# `fopt optimize --provider cuda` on penguins and writes benchmarks/gpu/results.md.
#
# Usage: benchmarks/gpu/run-on-gpu.sh [--parts DIR]... [--work DIR] [--skip-gpu-check] [--quick] [--out FILE]
#   --parts DIR       a folder holding parts (*.tar.xz.partNN) and manifest.sha256, searched two levels deep; repeat
#                     for several (default: /tmp/gpu-parts and artifacts/gpu-parts)
#   --work DIR        where the archive is rebuilt and unpacked (default /tmp/fopt-gpu-check)
#   --skip-gpu-check  no nvidia-smi, no CUDA libraries needed: cuda requests fall back to CPU and the table says so
#                     (to test the whole flow on a machine without a GPU, with a `pack.sh --flavor cpu` pack)
#   --quick           10 runs / 2 s per batch size instead of 50 / 10 s
#   --out FILE        results file (default benchmarks/gpu/results.md)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
parts_dirs=()
work=/tmp/fopt-gpu-check
skip_gpu_check=false
quick=false
results="$root/benchmarks/gpu/results.md"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parts) parts_dirs+=("${2:?--parts needs a folder}"); shift ;;
    --work) work="${2:?--work needs a folder}"; shift ;;
    --skip-gpu-check) skip_gpu_check=true ;;
    --quick) quick=true ;;
    --out) results="${2:?--out needs a file}"; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
[[ ${#parts_dirs[@]} -gt 0 ]] || parts_dirs=(/tmp/gpu-parts "$root/artifacts/gpu-parts")
log() { printf '[gpu-run] %s\n' "$*" >&2; }
die() { printf '[gpu-run] %s\n' "$*" >&2; exit 1; }
started=$SECONDS

# 1. Reassemble. Every part named in the manifest must be present once with the right sha256; the rebuilt archive
#    must match the manifest's last line (the whole archive). A missing or damaged part stops here, by name.
existing=()
for d in "${parts_dirs[@]}"; do [[ -d "$d" ]] && existing+=("$d"); done
[[ ${#existing[@]} -gt 0 ]] || die "no parts folder found (looked in: ${parts_dirs[*]})"
manifest="$(find "${existing[@]}" -maxdepth 2 -name manifest.sha256 -print -quit)"
[[ -n "$manifest" ]] || die "no manifest.sha256 under ${existing[*]}"
mapfile -t part_names < <(awk '{ print $2 }' "$manifest" | sed '$d')
whole_name="$(tail -n 1 "$manifest" | awk '{ print $2 }')"
whole_sha="$(tail -n 1 "$manifest" | awk '{ print $1 }')"
rm -rf "$work"
mkdir -p "$work/pack" "$work/json"
archive="$work/$whole_name"
: >"$archive"
for name in "${part_names[@]}"; do
  file="$(find "${existing[@]}" -maxdepth 2 -name "$name" -print -quit)"
  [[ -n "$file" ]] || die "part $name is missing (looked in ${existing[*]}); carry its folder and run again"
  want="$(awk -v n="$name" '$2 == n { print $1 }' "$manifest")"
  got="$(sha256sum "$file" | awk '{ print $1 }')"
  [[ "$want" == "$got" ]] || die "part $name: sha256 $got, manifest says $want (damaged in transit?)"
  cat "$file" >>"$archive"
done
got="$(sha256sum "$archive" | awk '{ print $1 }')"
[[ "$got" == "$whole_sha" ]] || die "reassembled archive: sha256 $got, manifest says $whole_sha"
log "${#part_names[@]} part(s) verified; unpacking"
tar -C "$work/pack" -xJf "$archive"
rm -f "$archive"
flavor="$(sed -n 's/^flavor=//p' "$work/pack/PACKED")"
packed_commit="$(sed -n 's/^commit=//p' "$work/pack/PACKED")"
fopt_dir="$work/pack/fopt"
fopt() { "$fopt_dir/fopt" "$@"; }
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

# 2. The GPU and its libraries. The machine's CUDA 13 user-space libraries come with its Python nvidia-* wheels
#    (cublas, cudnn, cufft, curand, cuda_runtime, nvrtc ...): every folder under the nvidia package holding a .so
#    goes on LD_LIBRARY_PATH, then ldd proves the CUDA provider resolves before any time is spent measuring.
gpu_facts="no GPU check (--skip-gpu-check)"
if [[ "$skip_gpu_check" == false ]]; then
  command -v nvidia-smi >/dev/null 2>&1 || die "nvidia-smi not found: this needs an NVIDIA GPU and driver (or --skip-gpu-check)"
  gpu_facts="$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader | head -n 1)"
  cuda_line="$(nvidia-smi | grep -o 'CUDA Version: [0-9.]*' | head -n 1 || true)"
  gpu_facts="$gpu_facts; driver supports ${cuda_line:-CUDA version unknown}"
  log "GPU: $gpu_facts"
fi
nvidia_root="$(python3 -c 'import nvidia;print(list(nvidia.__path__)[0])' 2>/dev/null || true)"
lib_note="no Python nvidia package (python3 -c 'import nvidia' failed)"
if [[ -n "$nvidia_root" && -d "$nvidia_root" ]]; then
  lib_dirs="$(find "$nvidia_root" -name '*.so*' -printf '%h\n' | sort -u | tr '\n' ':')"
  export LD_LIBRARY_PATH="${lib_dirs}${LD_LIBRARY_PATH:-}"
  lib_note="$(tr ':' '\n' <<<"$lib_dirs" | grep -c . || true) folders with .so files under $nvidia_root on LD_LIBRARY_PATH"
elif [[ "$skip_gpu_check" == false ]]; then
  die "$lib_note: the CUDA provider needs the CUDA 13 libraries it ships"
fi
cuda_so="$fopt_dir/libonnxruntime_providers_cuda.so"
if [[ -f "$cuda_so" ]]; then
  # The fopt folder too: ORT loads libonnxruntime_providers_shared.so from there before the CUDA provider.
  missing_libs="$(LD_LIBRARY_PATH="$fopt_dir:${LD_LIBRARY_PATH:-}" ldd "$cuda_so" | awk '/not found/ { print $1 }' | tr '\n' ' ')"
  if [[ -n "$missing_libs" ]]; then
    [[ "$skip_gpu_check" == true ]] || die "ldd libonnxruntime_providers_cuda.so: not found: $missing_libs"
    ldd_note="ldd libonnxruntime_providers_cuda.so: not found: $missing_libs"
  else
    ldd_note="ldd libonnxruntime_providers_cuda.so: every dependency resolved"
  fi
else
  [[ "$skip_gpu_check" == true ]] || die "$cuda_so absent: this pack was made with --flavor $flavor, not gpu"
  ldd_note="no libonnxruntime_providers_cuda.so (pack flavor $flavor)"
fi
log "$ldd_note"

# 3. The models. ML.NET's ResNet18 is fixed at batch 1; a copy with a symbolic batch axis lets the profile run batch
#    64 (throughput is where a GPU should win). The copy needs Python onnx; without it ResNet18 runs at batch 1 only.
penguins="$work/pack/samples/penguins/model.onnx"
penguins_data="$work/pack/samples/penguins/eval.csv"
resnet="$work/pack/models/resnet18.onnx"
resnet_note="ResNet18 (ML.NET package, fixed batch 1)"
for py in python3 /usr/bin/python3; do
  if "$py" - "$resnet" "$work/pack/models/resnet18-batchN.onnx" 2>"$work/resnet-batchN.log" <<'PY'
import sys, onnx
m = onnx.load(sys.argv[1])
for v in list(m.graph.input) + list(m.graph.output):
    d = v.type.tensor_type.shape.dim[0]
    d.ClearField("dim_value"); d.dim_param = "N"
# Stale intermediate shapes would pin batch 1 again; ORT infers them.
del m.graph.value_info[:]
onnx.save(m, sys.argv[2])
PY
  then
    resnet="$work/pack/models/resnet18-batchN.onnx"
    resnet_note="ResNet18 (ML.NET package) with its batch axis made symbolic by $py + onnx"
    break
  fi
done
log "$resnet_note"

if [[ "$quick" == true ]]; then
  profile_args=(--batch-sizes 1,64 --warmup 2 --runs 10 --max-seconds 2 --no-memory)
else
  profile_args=(--batch-sizes 1,64 --warmup 5 --runs 50 --max-seconds 10 --no-memory)
fi

# 4. Profiles, with --allow-cpu-fallback: the *used* provider is what the session factory actually got.
providers=(cpu cuda)
for model in penguins resnet18; do
  for provider in "${providers[@]}"; do
    out="$work/json/$model-$provider.json"
    if [[ "$model" == penguins ]]; then args=("$penguins" --data "$penguins_data"); else args=("$resnet"); fi
    log "profile $model on $provider"
    if ! fopt profile "${args[@]}" --provider "$provider" --allow-cpu-fallback "${profile_args[@]}" --json "$out" \
        >"$work/$model-$provider.log" 2>&1; then
      log "profile $model on $provider failed (see $work/$model-$provider.log)"
      rm -f "$out"
    fi
  done
done

# 4b. ResNet18 on CUDA with the session options a search can vary there, one session-settings file each. CUDA graphs
#     are left out: one profile session runs two batch sizes, and a captured graph replays one shape only.
variants=(heuristic nhwc)
for v in "${variants[@]}"; do
  case "$v" in
    heuristic) printf '{ "provider": "cuda", "cudnnConvAlgoSearch": "heuristic" }\n' >"$work/session-$v.json" ;;
    nhwc) printf '{ "provider": "cuda", "preferNhwc": true }\n' >"$work/session-$v.json" ;;
  esac
  out="$work/json/resnet18-cuda-$v.json"
  log "profile resnet18 on cuda ($v)"
  if ! fopt profile "$resnet" --session-settings "$work/session-$v.json" --allow-cpu-fallback "${profile_args[@]}" \
      --json "$out" >"$work/resnet18-cuda-$v.log" 2>&1; then
    log "profile resnet18 on cuda ($v) failed (see $work/resnet18-cuda-$v.log)"
    rm -f "$out"
  fi
done

# 5. A short optimization on CUDA; each trial records the provider it used in runs/*/state.json.
optimize_out="$work/optimize"
log "optimize penguins on cuda (budget 3, passes fp16,quantize-dynamic)"
optimize_status=ok
if ! fopt optimize "$penguins" --data "$penguins_data" --budget 3 --eta 3 --passes fp16,quantize-dynamic \
    --provider cuda --max-accuracy-drop 0.01 --out "$optimize_out" >"$work/optimize.log" 2>&1; then
  optimize_status="failed (see $work/optimize.log)"
fi
optimize_report="$(find "$optimize_out" -name report.json -path '*/runs/*' 2>/dev/null | head -n 1 || true)"
optimize_line="-"
if [[ -n "$optimize_report" ]]; then
  optimize_line="$(python3 - "$optimize_report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
h = r.get("headline") or {}
p = (r.get("baseline") or {}).get("provider") or {}
print(f"run {r.get('runId')}, status {r.get('status')}, best trial {h.get('bestTrialId') or '-'}, "
      f"passes {' + '.join(h.get('passes') or []) or '-'}, baseline provider {p.get('requested')}/{p.get('used')}")
PY
)"
fi

# 6. One tab-separated row per profile: model, requested, used, batch lo, p50 lo, batch hi, p50 hi, throughput hi,
#    session ms, fallback reason. Python is on every GPU machine this targets; jq may not be.
rows="$work/rows.tsv"
: >"$rows"
profiles=()
for model in penguins resnet18; do
  for provider in "${providers[@]}"; do profiles+=("$model-$provider.json|$model|"); done
done
for v in "${variants[@]}"; do profiles+=("resnet18-cuda-$v.json|resnet18| ($v)"); done
for entry in "${profiles[@]}"; do
  IFS='|' read -r file model suffix <<<"$entry"
  f="$work/json/$file"
  [[ -f "$f" ]] || continue
  python3 - "$f" "$model" "$suffix" >>"$rows" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["performance"]
b = sorted(p["batches"], key=lambda x: x["batchSize"])
lo, hi = b[0], b[-1]
reason = (p["provider"].get("fallbackReason") or "").replace("\t", " ").replace("\n", " ")
row = [sys.argv[2], p["provider"]["requested"] + sys.argv[3], p["provider"]["used"], lo["batchSize"], lo["p50Ms"], hi["batchSize"],
       hi["p50Ms"], hi["throughputPerSecond"], p["sessionCreationMs"], reason]
print("\t".join(str(v) for v in row))
PY
done

# 7. The markdown. Speed-up = the CPU row's p50 / this row's p50, same model and batch size.
command_line="benchmarks/gpu/run-on-gpu.sh"
[[ "$skip_gpu_check" == false ]] || command_line+=" --skip-gpu-check"
[[ "$quick" == false ]] || command_line+=" --quick"
mkdir -p "$(dirname "$results")"
{
  echo "# GPU check results"
  echo
  echo "Written by \`$command_line\` on $(date -u +%Y-%m-%dT%H:%M:%SZ) (host $(hostname), $(nproc) CPU cores) in $((SECONDS - started)) s."
  echo
  echo "- GPU (nvidia-smi): $gpu_facts"
  echo "- fopt: self-contained linux-x64 publish, \`-p:OnnxRuntimeFlavor=$flavor\`, commit $packed_commit"
  echo "- CUDA libraries: $lib_note; $ldd_note"
  echo "- Models: penguins sample; $resnet_note"
  echo "- Profile options: \`${profile_args[*]}\`, each with \`--allow-cpu-fallback\`: *used* is the provider that ran."
  echo
  echo "| model | requested / used | p50 small batch (ms) | p50 large batch (ms) | throughput large batch (/s) | session creation (ms) | speed-up vs CPU (small / large) | note |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -F'\t' '
    { model[NR]=$1; req[NR]=$2; used[NR]=$3; lb[NR]=$4; lo[NR]=$5; hb[NR]=$6; hi[NR]=$7; tp[NR]=$8; sess[NR]=$9
      if ($2 == "cpu") { cpulo[$1]=$5; cpuhi[$1]=$7 } }
    END {
      for (i = 1; i <= NR; i++) {
        speed = "-"
        if ((model[i] in cpulo) && lo[i] > 0 && hi[i] > 0)
          speed = sprintf("%.2fx / %.2fx", cpulo[model[i]] / lo[i], cpuhi[model[i]] / hi[i])
        base = req[i]; sub(/ .*/, "", base)
        note = (base != used[i]) ? "**fell back to " used[i] "**" : ""
        printf "| %s | %s / %s | %.3f (batch %d) | %.3f (batch %d) | %.1f | %.1f | %s | %s |\n", model[i], req[i], used[i], lo[i], lb[i], hi[i], hb[i], tp[i], sess[i], speed, note
      }
    }' "$rows"
  echo
  fallbacks="$(awk -F'\t' '$10 != "" { printf "- %s, %s: %s\n", $1, $2, $10 }' "$rows")"
  if [[ -n "$fallbacks" ]]; then
    echo "Fallbacks recorded by the session factory:"
    echo
    echo "$fallbacks"
    echo
  fi
  missing=""
  for entry in "${profiles[@]}"; do
    [[ -f "$work/json/${entry%%|*}" ]] || missing+=" ${entry%%|*}"
  done
  [[ -z "$missing" ]] || { echo "Profiles that failed (no row above):$missing (logs under $work/)."; echo; }
  echo "## Short optimization (penguins, --provider cuda)"
  echo
  echo "\`fopt optimize model.onnx --data eval.csv --budget 3 --eta 3 --passes fp16,quantize-dynamic --provider cuda --max-accuracy-drop 0.01\`: $optimize_status."
  echo
  echo "- $optimize_line"
  echo "- Each trial records the provider it actually used in runs/*/state.json (under $optimize_out)."
} >"$results"
log "wrote $results in $((SECONDS - started)) s"
