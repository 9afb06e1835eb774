#!/usr/bin/env bash
# Packs the GPU check for a machine with an NVIDIA GPU and no .NET SDK (run HERE, where the SDK is).
#
# Usage: benchmarks/gpu/pack.sh [--flavor gpu|cpu] [--part-size-mib N] [--out DIR]
#   --flavor         ONNX Runtime package fopt is published with (default gpu; cpu to test the flow without a GPU)
#   --part-size-mib  largest part, in MiB (default: 60, or less so that one part plus this repository's working tree
#                    fits the 64 MiB the device tool carries per call: that limit counts the tracked and untracked,
#                    not ignored, files that travel with every call, not only the carried part)
#   --out DIR        where the parts go (default artifacts/gpu-parts, git-ignored)
#   --resplit        only split again the archive the last pack of this flavour left in artifacts/gpu-pack/
#                    (to change the part size without publishing and compressing again)
#
# It writes a self-contained linux-x64 `fopt` (no Windows natives: Directory.Build.targets drops them for a linux
# RID), ResNet18 and the penguins sample into one tar.xz, split into DIR/p1/, DIR/p2/, ... (one folder per part so
# each can be carried in its own call), plus DIR/manifest.sha256 (every part and the whole archive), copied into
# every part folder so whichever folder arrives first can be checked. benchmarks/gpu/run-on-gpu.sh unpacks it there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
flavor=gpu
part_mib=auto
resplit=false
out="$root/artifacts/gpu-parts"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --flavor) flavor="${2:?--flavor needs gpu or cpu}"; shift ;;
    --part-size-mib) part_mib="${2:?--part-size-mib needs a number}"; shift ;;
    --out) out="${2:?--out needs a folder}"; shift ;;
    --resplit) resplit=true ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
case "$flavor" in gpu|cpu) ;; *) echo "--flavor must be gpu or cpu" >&2; exit 2 ;; esac
log() { printf '[gpu-pack] %s\n' "$*" >&2; }
# What travels with every device call besides the carried part: tracked files and untracked files git does not ignore.
tree_bytes="$(cd "$root" && { git ls-files -z; git ls-files -z -o --exclude-standard; } | xargs -0 -r du -cb 2>/dev/null | awk '$2 == "total" { t += $1 } END { print t + 0 }')"
tree_mib=$(( (tree_bytes + 1048575) / 1048576 ))
if [[ "$part_mib" == auto ]]; then
  # 2 MiB margin for the manifest and for files added to the tree before the calls are made.
  part_mib=$(( 64 - tree_mib - 2 ))
  (( part_mib <= 60 )) || part_mib=60
fi
[[ "$part_mib" =~ ^[0-9]+$ && "$part_mib" -ge 1 && "$part_mib" -le 63 ]] || { echo "--part-size-mib must be 1..63 (working tree: $tree_mib MiB)" >&2; exit 2; }
(( part_mib + tree_mib <= 64 )) || log "warning: a $part_mib MiB part plus the $tree_mib MiB working tree exceed the 64 MiB one device call carries"
log "parts of at most $part_mib MiB (working tree that travels with each call: $tree_mib MiB)"

work="$root/artifacts/gpu-pack"
stage="$work/stage"
archive="$work/fopt-$flavor.tar.xz"
if [[ "$resplit" == true ]]; then
  [[ -f "$archive" ]] || { echo "--resplit: no $archive (run pack.sh --flavor $flavor first)" >&2; exit 1; }
else
rm -rf "$stage" "$out" "$archive"
mkdir -p "$stage/fopt" "$stage/models" "$stage/samples"

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
printf 'flavor=%s\ncommit=%s\npacked=%s\n' "$flavor" "$(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD || echo ' plus uncommitted changes')" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$stage/PACKED"

# 3. One archive, split. xz because the CUDA provider (284 MB) compresses to 185 MB; two threads at most, since
#    this machine's cores are shared.
start=$SECONDS
log "compressing"
tar -C "$stage" -cf - . | xz -T2 -6 -c >"$archive"
log "compressed in $((SECONDS - start)) s: $(du -h "$archive" | cut -f1)"
rm -rf "$stage"
fi
rm -rf "$out" "$work"/fopt-*.tar.xz.part*
mkdir -p "$out"
split -b "${part_mib}M" -d -a 2 "$archive" "$work/fopt-$flavor.tar.xz.part"
manifest="$out/manifest.sha256"
i=0
for part in "$work/fopt-$flavor.tar.xz.part"*; do
  i=$((i + 1))
  mkdir -p "$out/p$i"
  mv "$part" "$out/p$i/"
done
# sha256sum format, so `sha256sum -c` reads it; the whole archive is the last line.
# In part order (p1, p2, ... p10: not the glob's p1, p10, p2): run-on-gpu.sh concatenates in manifest order.
for ((k = 1; k <= i; k++)); do (cd "$out/p$k" && sha256sum -- *.part*); done >"$manifest"
(cd "$work" && sha256sum -- "$(basename "$archive")") >>"$manifest"
printf 'parts=%d\n' "$i" >"$out/manifest.info"
for ((k = 1; k <= i; k++)); do cp "$manifest" "$out/manifest.info" "$out/p$k/"; done
# The archive stays (git-ignored) for --resplit; delete artifacts/gpu-pack/ when done.
log "wrote $i part(s) under $out:"
du -b "$out"/p*/*.part* | awk '{ printf "[gpu-pack]   %s %.1f MiB\n", $2, $1 / 1048576 }' >&2
