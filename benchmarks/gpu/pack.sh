#!/usr/bin/env bash
# Packs the GPU check for a machine with an NVIDIA GPU and no .NET SDK (run HERE, where the SDK is).
#
# Usage: benchmarks/gpu/pack.sh [--flavor gpu|cpu] [--part-size-mib N] [--out DIR]
#   --flavor         ONNX Runtime package fopt is published with (default gpu; cpu to test the flow without a GPU)
#   --part-size-mib  largest part, in MiB (default 60: the tool that carries files to the GPU machine takes 64 MiB
#                    per call, and a part must leave room for the manifest)
#   --out DIR        where the parts go (default artifacts/gpu-parts, git-ignored)
#
# It writes a self-contained linux-x64 `fopt` (no Windows natives: Directory.Build.targets drops them for a linux
# RID), ResNet18 and the penguins sample into one tar.xz, split into DIR/p1/, DIR/p2/, ... (one folder per part so
# each can be carried in its own call), plus DIR/manifest.sha256 (every part and the whole archive), copied into
# every part folder so whichever folder arrives first can be checked. benchmarks/gpu/run-on-gpu.sh unpacks it there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
flavor=gpu
part_mib=60
out="$root/artifacts/gpu-parts"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --flavor) flavor="${2:?--flavor needs gpu or cpu}"; shift ;;
    --part-size-mib) part_mib="${2:?--part-size-mib needs a number}"; shift ;;
    --out) out="${2:?--out needs a folder}"; shift ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
case "$flavor" in gpu|cpu) ;; *) echo "--flavor must be gpu or cpu" >&2; exit 2 ;; esac
[[ "$part_mib" =~ ^[0-9]+$ && "$part_mib" -ge 1 && "$part_mib" -le 63 ]] || { echo "--part-size-mib must be 1..63" >&2; exit 2; }
log() { printf '[gpu-pack] %s\n' "$*" >&2; }

work="$root/artifacts/gpu-pack"
stage="$work/stage"
rm -rf "$stage" "$out"
mkdir -p "$stage/fopt" "$stage/models" "$stage/samples" "$out"

# 1. fopt, self-contained: the GPU machine has no .NET. Its own --artifacts-path keeps the repository's obj/ folders
#    on the flavour they were restored with.
start=$SECONDS
log "publishing fopt (-p:OnnxRuntimeFlavor=$flavor, linux-x64, self-contained)"
dotnet publish "$root/src/FunctionsOpt.Cli/FunctionsOpt.Cli.csproj" -c Release -r linux-x64 --self-contained true \
  -p:OnnxRuntimeFlavor="$flavor" --artifacts-path "$work/build-$flavor" -o "$stage/fopt" -v q -nologo >&2
log "published in $((SECONDS - start)) s: $(du -sh "$stage/fopt" | cut -f1)"
# The trim is the build's job (Directory.Build.targets); fail here rather than ship 215 MB of Windows DLLs.
if compgen -G "$stage/fopt/onnxruntime*.dll" >/dev/null; then
  echo "Windows ONNX Runtime DLLs in a linux-x64 publish: the DropWindowsOnnxRuntimeNatives target did not run." >&2
  exit 1
fi

# 2. ResNet18 from the NuGet package the benchmarks project references (the path property NuGet generates).
bench="$root/benchmarks/FunctionsOpt.Benchmarks/FunctionsOpt.Benchmarks.csproj"
dotnet restore "$bench" -v q -nologo >&2
pkg="$(dotnet msbuild "$bench" -getProperty:PkgMicrosoft_ML_DnnImageFeaturizer_ResNet18 -nologo)"
resnet="$pkg/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"
[[ -f "$resnet" ]] || { echo "ResNet18 not found at $resnet" >&2; exit 1; }
cp "$resnet" "$stage/models/resnet18.onnx"
cp -r "$root/samples/penguins" "$stage/samples/penguins"
printf 'flavor=%s\ncommit=%s\npacked=%s\n' "$flavor" "$(git -C "$root" rev-parse HEAD)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$stage/PACKED"

# 3. One archive, split. xz because the CUDA provider (284 MB) compresses to 185 MB; two threads at most, since
#    this machine's cores are shared.
start=$SECONDS
archive="$work/fopt-$flavor.tar.xz"
log "compressing"
tar -C "$stage" -cf - . | xz -T2 -6 -c >"$archive"
log "compressed in $((SECONDS - start)) s: $(du -h "$archive" | cut -f1)"
split -b "${part_mib}M" -d -a 2 "$archive" "$work/fopt-$flavor.tar.xz.part"
manifest="$out/manifest.sha256"
i=0
for part in "$work/fopt-$flavor.tar.xz.part"*; do
  i=$((i + 1))
  mkdir -p "$out/p$i"
  mv "$part" "$out/p$i/"
done
# sha256sum format, so `sha256sum -c` reads it; the whole archive is the last line.
(cd "$out" && for d in p*/; do (cd "$d" && sha256sum -- *); done) >"$manifest"
(cd "$work" && sha256sum -- "$(basename "$archive")") >>"$manifest"
printf 'parts=%d\n' "$i" >"$out/manifest.info"
for d in "$out"/p*/; do cp "$manifest" "$out/manifest.info" "$d"; done
rm -f "$archive"
log "wrote $i part(s) under $out:"
du -b "$out"/p*/*.part* | awk '{ printf "[gpu-pack]   %s %.1f MiB\n", $2, $1 / 1048576 }' >&2
